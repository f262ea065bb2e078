import { registerBag } from '../../ingest-workflow/bag-register.ts';
import { recordVersionIngested } from '../../preservation-events/ingest-events.ts';
import { activeIngest, startStep } from '../../ingest-workflow/step-events.ts';
import { cleanUnpackArea } from '../../ingest-workflow/unpack-area.ts';
import { recordIngestOutcome } from '../../ingests/ingest-metrics.ts';
import { recordEvent } from '../../ingests/ingest-repository.ts';
import { STEPS, succeededEvent } from '../../ingests/ingest.ts';
import { commitQuota } from '../../spaces/quota.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

/** Registers the bag, empties the unpack area, and only then says succeeded (so a reader never sees leftovers). */
export const handler = workflowTask(async ({ ingestId }: { ingestId: string }) => {
  const ingest = await activeIngest(ingestId);
  if (ingest.status.id === 'succeeded') return null;
  await startStep(ingestId, STEPS.registering);
  await registerBag(ingest);
  await recordVersionIngested(ingest);
  const { space, bag } = ingest;
  // Idempotent: the reservation becomes `used` once, however often Register runs.
  await commitQuota(space.id, ingestId, bag.info.version === 'v1');
  await cleanUnpackArea(space.id, ingestId);
  const recorded = await recordEvent(
    ingestId,
    `${STEPS.registering}#succeeded`,
    succeededEvent(
      STEPS.registering,
      `registered ${space.id}/${bag.info.externalIdentifier} ${bag.info.version}`,
    ),
    { status: 'succeeded', onlyFrom: ['processing'] },
  );
  if (recorded) recordIngestOutcome('succeeded');
  return null;
});
