import { claimsOf, claimVersion, latestRegisteredNumber, type VersionClaim } from '../bags/bag-registry.ts';
import { refuseIngestOfBagInDeletion } from '../deletion/bag-availability.ts';
import { ConditionFailed, getIngest, type IngestRecord, updateIngest } from '../ingests/ingest-repository.ts';
import { STEPS } from '../ingests/ingest.ts';
import { versionLabel } from '../storage/storage-layout.ts';
import { RefusalError, TransientError } from '../workflows/task-errors.ts';
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

/** Claims of ingests that ended without registering: their failure handler has not cleaned them yet. */
async function abandonedClaims(claims: VersionClaim[]): Promise<VersionClaim[]> {
  const abandoned: VersionClaim[] = [];
  for (const claim of claims) {
    // A retained claim is final: the number stays taken, and versions build above it.
    if (claim.retained) continue;
    const holder = await getIngest(claim.ingestId);
    if (!holder || holder.status.id === 'failed' || holder.status.id === 'cancelled') abandoned.push(claim);
  }
  return abandoned;
}

/**
 * create → v1 (refused if the bag exists); update → the latest *registered* version + 1 (refused if
 * none is registered), above any version a running ingest of the bag holds. Each number is taken by a
 * conditional write, so concurrent ingests of one bag get distinct, contiguous versions; a retried
 * step finds its own claim and keeps its version. A claim left by an ingest that ended without
 * registering is never built on: its failure handler removes it (with what it stored) first.
 */
export async function assignVersion(ingest: IngestRecord): Promise<string> {
  if (ingest.bag.info.version) return ingest.bag.info.version;
  const space = ingest.space.id;
  const externalIdentifier = ingest.bag.info.externalIdentifier;
  await refuseIngestOfBagInDeletion(space, externalIdentifier);
  for (let attempt = 0; attempt < 100; attempt++) {
    const claims = await claimsOf(space, externalIdentifier);
    let number = claims.find((claim) => claim.ingestId === ingest.id)?.version;
    if (number === undefined) {
      const registered = await latestRegisteredNumber(space, externalIdentifier);
      const pending = claims.filter((claim) => claim.version > registered);
      const abandoned = await abandonedClaims(pending);
      if (abandoned.length > 0) {
        // The failure handler (the one role that may delete what an ingest stored) is on its way.
        throw new TransientError(
          `${space}/${externalIdentifier} ${versionLabel(abandoned[0]!.version)} is still held by ingest ${abandoned[0]!.ingestId}, which ended without registering and is being cleaned up`,
        );
      }
      if (ingest.ingestType.id === 'create' && (registered > 0 || pending.length > 0)) {
        throw new RefusalError(
          'Cannot create new bag: a bag with the supplied external identifier already exists in this space',
        );
      }
      if (ingest.ingestType.id === 'update' && registered === 0) {
        throw new RefusalError(
          'Cannot update bag: there is no bag with the supplied external identifier in this space',
        );
      }
      const next = Math.max(registered, ...pending.map((claim) => claim.version)) + 1;
      if (!(await claimVersion(space, externalIdentifier, next, ingest.id))) continue;
      number = next;
    }
    const version = versionLabel(number);
    await updateIngest(ingest.id, { set: { 'bag.info.version': version } });
    return version;
  }
  throw new Error(`Could not claim a version of ${space}/${externalIdentifier} after 100 attempts`);
}
