import { verifyReplicaFiles } from '../../ingest-workflow/replica-verification.ts';
import { activeIngest } from '../../ingest-workflow/step-events.ts';
import { readChunk } from '../../ingest-workflow/verify-step.ts';
import { storageLocation } from '../../storage/locations.ts';
import { workflowTask } from '../../workflows/workflow-task.ts';

export const handler = workflowTask(
  async ({ ingestId, location, chunk }: { ingestId: string; location: string; chunk: number }) => {
    const ingest = await activeIngest(ingestId);
    await verifyReplicaFiles(
      storageLocation(location),
      {
        space: ingest.space.id,
        externalIdentifier: ingest.bag.info.externalIdentifier,
        version: ingest.bag.info.version as string,
      },
      await readChunk(ingestId, chunk),
    );
    return null;
  },
);
