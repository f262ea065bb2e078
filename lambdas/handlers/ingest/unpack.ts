import { ingestStep } from '../../ingest-workflow/ingest-step.ts';
import { unpack } from '../../ingest-workflow/unpacker.ts';
import { STEPS } from '../../ingests/ingest.ts';

export const handler = ingestStep(STEPS.unpacking, unpack, { cancellable: true });
