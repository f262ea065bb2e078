import { detectBagRoot } from '../../ingest-workflow/bag-root-finder.ts';
import { activeIngest, startStep, succeedStep } from '../../ingest-workflow/step-events.ts';
import { STEPS } from '../../ingests/ingest.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ ingestId }: { ingestId: string }) => {
  await activeIngest(ingestId);
  await startStep(ingestId, STEPS.detectingBagRoot);
  const bagRoot = await detectBagRoot(ingestId);
  await succeedStep(
    ingestId,
    STEPS.detectingBagRoot,
    bagRoot ? `bag root is ${bagRoot}` : 'bag root is the top of the archive',
  );
  return bagRoot;
});
