import { getVersion } from '../bags/bag-registry.ts';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { scanStorageManifest } from '../bags/storage-manifest-reader.ts';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import type { ChunkList } from '../workflows/chunk-list.ts';
import { writePlan } from './fixity-plan.ts';
import { getRun, setRunTotals } from './fixity-runs.ts';

/**
 * The workflow's first step: the version's manifest split into chunk files, and what the state
 * machine iterates over (the chunk index's key and location names, never files).
 */
export async function prepareFixity(runId: string): Promise<{ chunkList: ChunkList; locations: string[] }> {
  const run = await getRun(runId);
  if (!run) throw new Error(`No fixity run ${runId}`);
  const registered = await getVersion(run.space, run.externalIdentifier, run.version);
  if (!registered) throw new Error(`${run.space}/${run.externalIdentifier} ${run.version} is not registered`);
  // Two reads of the manifest: where the bag is stored comes after its file lists in the document.
  const read = async () =>
    (await s3().send(new GetObjectCommand({ Bucket: config().primaryBucket, Key: registered.manifestKey })))
      .Body as AsyncIterable<Uint8Array>;
  const manifest = await scanStorageManifest(await read(), () => undefined);
  const plan = await writePlan(runId, manifest, async (visit) => {
    await scanStorageManifest(await read(), visit);
  });
  const locations = plan.locations.map((location) => location.name);
  await setRunTotals(runId, { filesTotal: plan.files, locations });
  return { chunkList: plan.chunkList, locations };
}
