import { claimsOf, claimVersion } from '../bags/bag-registry.ts';
import { refuseIngestOfBagInDeletion } from '../deletion/bag-availability.ts';
import { type IngestRecord, updateIngest, ConditionFailed } from '../ingests/ingest-repository.ts';
import { STEPS } from '../ingests/ingest.ts';
import { getSpace } from '../spaces/space-repository.ts';
import { versionLabel } from '../storage/storage-layout.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import { IngestCancelledError } from './step-events.ts';

/**
 * Closes the cancel window: from here on the ingest cannot be cancelled. The condition makes the
 * race with a concurrent cancel safe (one of the two conditional writes wins).
 */
export async function enterVersioning(ingest: IngestRecord): Promise<void> {
  try {
    await updateIngest(ingest.id, {
      set: { currentStep: STEPS.assigningVersion },
      condition: '#status.#id <> :cancelled',
      values: { ':cancelled': 'cancelled' },
    });
  } catch (error) {
    if (error instanceof ConditionFailed) throw new IngestCancelledError(ingest.id);
    throw error;
  }
}

export async function checkQuota(space: string, newBytes: number): Promise<void> {
  const record = await getSpace(space);
  if (record?.quota !== null && record?.quota !== undefined && record.used + newBytes > record.quota) {
    throw new RefusalError(
      `The bag needs ${newBytes} bytes but space ${space} has ${Math.max(0, record.quota - record.used)} of its quota of ${record.quota} bytes left`,
    );
  }
}

/**
 * create → v1 (refused if the bag exists); update → latest + 1 (refused if there is none). Each
 * number is taken by a conditional write, so concurrent ingests of one bag get distinct, contiguous
 * versions; a retried step finds its own claim and keeps its version.
 */
export async function assignVersion(ingest: IngestRecord): Promise<string> {
  if (ingest.bag.info.version) return ingest.bag.info.version;
  const space = ingest.space.id;
  const externalIdentifier = ingest.bag.info.externalIdentifier;
  await refuseIngestOfBagInDeletion(space, externalIdentifier);
  for (let attempt = 0; attempt < 100; attempt++) {
    const claims = await claimsOf(space, externalIdentifier);
    const mine = claims.find((claim) => claim.ingestId === ingest.id);
    const latest = Math.max(0, ...claims.map((claim) => claim.version));
    let number = mine?.version;
    if (number === undefined) {
      if (ingest.ingestType.id === 'create' && latest > 0) {
        throw new RefusalError(
          'Cannot create new bag: a bag with the supplied external identifier already exists in this space',
        );
      }
      if (ingest.ingestType.id === 'update' && latest === 0) {
        throw new RefusalError(
          'Cannot update bag: there is no bag with the supplied external identifier in this space',
        );
      }
      if (!(await claimVersion(space, externalIdentifier, latest + 1, ingest.id))) continue;
      number = latest + 1;
    }
    const version = versionLabel(number);
    await updateIngest(ingest.id, { set: { 'bag.info.version': version } });
    return version;
  }
  throw new Error(`Could not claim a version of ${space}/${externalIdentifier} after 100 attempts`);
}
