import { ingestStep } from '../../ingest-workflow/ingest-step.ts';
import { verify } from '../../ingest-workflow/verifier.ts';
import { STEPS } from '../../ingests/ingest.ts';

export const handler = ingestStep(STEPS.verifying, verify, { cancellable: true });
