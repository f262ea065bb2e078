import { ingestStep } from '../../ingest-workflow/ingest-step.ts';
import { assignBagVersion, enterVersioning } from '../../ingest-workflow/versioner.ts';
import { STEPS } from '../../ingests/ingest.ts';

export const handler = ingestStep(STEPS.assigningVersion, assignBagVersion, { enter: enterVersioning });
