import type { BagSummary } from '../../ingest-workflow/bag-files.ts';
import { startReplicationProgress } from '../../ingest-workflow/progress.ts';
import { activeIngest, startStep, succeedStep } from '../../ingest-workflow/step-events.ts';
import { bagSummaryKey } from '../../ingest-workflow/verifier.ts';
import { assignVersion, enterVersioning } from '../../ingest-workflow/versioner.ts';
import { config } from '../../config.ts';
import { STEPS } from '../../ingests/ingest.ts';
import { reserveQuota } from '../../spaces/quota.ts';
import { storageLocations } from '../../storage/locations.ts';
import { getJson } from '../../storage/s3-objects.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(async ({ ingestId }: { ingestId: string }) => {
  const ingest = await activeIngest(ingestId);
  await enterVersioning(ingest);
  await startStep(ingestId, STEPS.assigningVersion);
  const summary = await getJson<BagSummary>(config().unpackBucket, bagSummaryKey(ingestId));
  // Reserved before a version is taken; a failure from here on gives both back (failure.ts).
  await reserveQuota(ingest.space.id, ingestId, summary.newBytes);
  const version = await assignVersion(ingest);
  const locations = storageLocations();
  await startReplicationProgress(
    ingestId,
    { bytes: summary.newBytes, files: summary.newFiles },
    locations.length,
  );
  await succeedStep(ingestId, STEPS.assigningVersion, `assigned bag version ${version}`);
  return { version, locations: locations.map((location) => location.name) };
});
