import { ingestTask } from '../../ingest-workflow/ingest-step.ts';
import { verifyReplica } from '../../ingest-workflow/replica-verifier.ts';

export const handler = ingestTask(verifyReplica);
