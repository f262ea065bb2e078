import { getVersion } from '../bags/bag-registry.ts';
import type { StorageManifest } from '../bags/storage-manifest.ts';
import { config } from '../config.ts';
import { getJson } from '../storage/s3-objects.ts';
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
  const manifest = await getJson<StorageManifest>(config().primaryBucket, registered.manifestKey);
  const plan = await writePlan(runId, manifest);
  const locations = plan.locations.map((location) => location.name);
  await setRunTotals(runId, { filesTotal: plan.files, locations });
  return { chunkList: plan.chunkList, locations };
}
