import type { BagSummary } from '../../ingest-workflow/bag-files.ts';
import { verifyReplicaFiles } from '../../ingest-workflow/replica-verifier.ts';
import { readReplicatedVersions } from '../../ingest-workflow/replicator.ts';
import { activeIngest } from '../../ingest-workflow/step-events.ts';
import { unpackedFile } from '../../ingest-workflow/unpack-area.ts';
import { bagSummaryKey, readChunk } from '../../ingest-workflow/verifier.ts';
import { config } from '../../config.ts';
import { storageLocation } from '../../storage/locations.ts';
import { getJson } from '../../storage/s3-objects.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(
  async ({ ingestId, location, chunk }: { ingestId: string; location: string; chunk: number }) => {
    const ingest = await activeIngest(ingestId);
    const { bagRoot } = await getJson<BagSummary>(config().unpackBucket, bagSummaryKey(ingestId));
    const where = storageLocation(location);
    const versions = await readReplicatedVersions(ingestId, where, chunk);
    await verifyReplicaFiles(
      where,
      {
        space: ingest.space.id,
        externalIdentifier: ingest.bag.info.externalIdentifier,
        version: ingest.bag.info.version as string,
      },
      await readChunk(ingestId, chunk),
      (file) => unpackedFile(ingest.space.id, ingestId, bagRoot, file.name),
      (file) => versions[file.name],
    );
    return null;
  },
);
