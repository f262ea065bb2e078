import type { BagSummary } from '../../ingest-workflow/bag-files.ts';
import { registerBag } from '../../ingest-workflow/registration.ts';
import { activeIngest, startStep } from '../../ingest-workflow/step-events.ts';
import { cleanUnpackArea } from '../../ingest-workflow/unpack-area.ts';
import { bagSummaryKey } from '../../ingest-workflow/verify-step.ts';
import { config } from '../../config.ts';
import { recordEvent } from '../../ingests/ingest-repository.ts';
import { STEPS, succeededEvent } from '../../ingests/ingest.ts';
import { getJson } from '../../storage/s3-objects.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ ingestId }: { ingestId: string }) => {
  const ingest = await activeIngest(ingestId);
  if (ingest.status.id === 'succeeded') {
    await cleanUnpackArea(ingest.space.id, ingestId);
    return null;
  }
  await startStep(ingestId, STEPS.registering);
  const summary = await getJson<BagSummary>(config().unpackBucket, bagSummaryKey(ingestId));
  await registerBag(ingest, summary);
  await recordEvent(
    ingestId,
    `${STEPS.registering}#succeeded`,
    succeededEvent(
      STEPS.registering,
      `registered ${ingest.space.id}/${ingest.bag.info.externalIdentifier} ${ingest.bag.info.version}`,
    ),
    { status: 'succeeded', onlyFrom: ['processing'] },
  );
  await cleanUnpackArea(ingest.space.id, ingestId);
  return null;
});
