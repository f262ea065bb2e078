import { activeIngest, startStep, stopIfCancelled, succeedStep } from '../../ingest-workflow/step-events.ts';
import { verifyUnpackedBag } from '../../ingest-workflow/verifier.ts';
import { STEPS } from '../../ingests/ingest.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ ingestId, bagRoot }: { ingestId: string; bagRoot: string }) => {
  const ingest = await activeIngest(ingestId);
  await startStep(ingestId, STEPS.verifying);
  const { summary, chunkList, warnings } = await verifyUnpackedBag(ingest, bagRoot);
  await stopIfCancelled(ingest);
  const detail =
    `Verified ${summary.files} files` + (warnings.length > 0 ? ` with warnings: ${warnings.join('; ')}` : '');
  await succeedStep(ingestId, STEPS.verifying, detail);
  return {
    chunkList,
    files: summary.files,
    bytes: summary.bytes,
  };
});
