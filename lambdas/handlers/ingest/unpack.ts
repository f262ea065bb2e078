import { activeIngest, startStep, stopIfCancelled, succeedStep } from '../../ingest-workflow/step-events.ts';
import { unpackIngest } from '../../ingest-workflow/unpacker.ts';
import { formatBytes, STEPS } from '../../ingests/ingest.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ ingestId }: { ingestId: string }) => {
  const ingest = await activeIngest(ingestId);
  await startStep(ingestId, STEPS.unpacking);
  const { bytes, files } = await unpackIngest(ingest);
  await stopIfCancelled(ingest);
  await succeedStep(ingestId, STEPS.unpacking, `Unpacked ${formatBytes(bytes)} from ${files} files`);
  return { bytes, files };
});
