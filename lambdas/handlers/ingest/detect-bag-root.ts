import { locateBagRoot } from '../../ingest-workflow/bag-root-finder.ts';
import { ingestStep } from '../../ingest-workflow/ingest-step.ts';
import { STEPS } from '../../ingests/ingest.ts';

export const handler = ingestStep(STEPS.detectingBagRoot, locateBagRoot);
