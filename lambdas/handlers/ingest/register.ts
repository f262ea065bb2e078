import { register } from '../../ingest-workflow/bag-register.ts';
import { ingestStep } from '../../ingest-workflow/ingest-step.ts';
import { STEPS } from '../../ingests/ingest.ts';

export const handler = ingestStep(STEPS.registering, register, { finishes: true });
