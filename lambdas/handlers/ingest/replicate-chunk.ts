import type { BagSummary } from '../../ingest-workflow/bag-files.ts';
import { countReplicatedChunk } from '../../ingest-workflow/progress.ts';
import { replicateChunk } from '../../ingest-workflow/replicator.ts';
import { activeIngest } from '../../ingest-workflow/step-events.ts';
import { bagSummaryKey, readChunk } from '../../ingest-workflow/verifier.ts';
import { config } from '../../config.ts';
import { storageLocation } from '../../storage/locations.ts';
import { getJson } from '../../storage/s3-objects.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(
  async ({ ingestId, location, chunk }: { ingestId: string; location: string; chunk: number }) => {
    const ingest = await activeIngest(ingestId);
    const summary = await getJson<BagSummary>(config().unpackBucket, bagSummaryKey(ingestId));
    const files = (await readChunk(ingestId, chunk)).filter((file) => file.heldBy === 'this');
    const target = {
      ingestId,
      space: ingest.space.id,
      externalIdentifier: ingest.bag.info.externalIdentifier,
      version: ingest.bag.info.version as string,
      bagRoot: summary.bagRoot,
      location: storageLocation(location),
    };
    await replicateChunk(target, chunk, files);
    const bytes = files.reduce((total, file) => total + file.size, 0);
    await countReplicatedChunk(ingestId, `${location}#${chunk}`, bytes, files.length);
    return null;
  },
);
