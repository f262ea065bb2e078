import { canUseSpace, type Principal } from '../auth/principal.ts';
import { Conflict, Gone } from '../errors.ts';
import { parseStoredFileId } from '../storage/storage-layout.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import { getMarker, getRequest, type Tombstone } from './deletion-records.ts';

/**
 * What a reader of a bag is told once its deletion is approved: while the workflow runs (or waits for
 * an operator), a 409 (the bag is neither stored nor gone, and must never look stored); once it is
 * done, the tombstone.
 * `undefined`: readable as usual.
 */
export async function deletedBag(space: string, externalIdentifier: string): Promise<Tombstone | undefined> {
  const marker = await getMarker(space, externalIdentifier);
  if (marker?.state === 'deleting') {
    const stalled = (await getRequest(marker.requestId))?.needsOperator
      ? '; the deletion stopped after repeated failures and waits for an operator (see the deletion request)'
      : '';
    throw new Conflict(
      `Bag ${space}/${externalIdentifier} is being deleted (deletion request ${marker.requestId})${stalled}`,
    );
  }
  return marker?.state === 'deleted' ? marker.tombstone : undefined;
}

export function goneDescription(tombstone: Tombstone): string {
  return `Bag ${tombstone.id} was deleted on ${tombstone.deletedDate} (requested by ${tombstone.requestedBy}, approved by ${tombstone.approvedBy}).`;
}

/** New carts of files of a deleted bag (or one being deleted) are refused with 410, per bag asked for. */
export async function refuseFilesOfDeletedBags(ids: readonly string[], caller: Principal): Promise<void> {
  const bags = new Map<string, { space: string; externalIdentifier: string }>();
  for (const id of ids) {
    const parsed = parseStoredFileId(id);
    if (parsed && canUseSpace(caller, parsed.space))
      bags.set(`${parsed.space}/${parsed.externalIdentifier}`, parsed);
  }
  for (const [name, bag] of bags) {
    const marker = await getMarker(bag.space, bag.externalIdentifier);
    if (marker?.state === 'deleting' || marker?.state === 'deleted') {
      throw new Gone(
        `Bag ${name} was deleted${marker.state === 'deleting' ? ' (deletion in progress)' : ''}; its files cannot be put in a cart.`,
      );
    }
  }
}

/**
 * Checked when an ingest is requested: an identifier whose bag was deleted (or is being deleted) never
 * takes a new version. SPEC §5.6 keeps the tombstone as the record of what was deleted, which a new
 * bag under the same name would contradict. Refused at once (409) rather than after an upload's
 * unpacking; Assigning bag version checks again for a deletion approved meanwhile.
 */
export async function refuseIngestOfDeletedIdentifier(
  space: string,
  externalIdentifier: string,
): Promise<void> {
  const marker = await getMarker(space, externalIdentifier);
  if (marker?.state === 'deleted') {
    throw new Conflict(
      `Bag ${space}/${externalIdentifier} was deleted on ${marker.tombstone?.deletedDate ?? 'an earlier date'} (deletion request ${marker.requestId}); its identifier keeps its tombstone and cannot be ingested again. Ingest the bag under a new External-Identifier.`,
    );
  }
  if (marker?.state === 'deleting') {
    throw new Conflict(
      `Bag ${space}/${externalIdentifier} is being deleted (deletion request ${marker.requestId}); it cannot be ingested.`,
    );
  }
}

/**
 * Called at Assigning bag version: no new version of a bag with an open deletion request, one being
 * deleted, or one deleted (its identifier keeps its tombstone and is not reused).
 */
export async function refuseIngestOfBagInDeletion(space: string, externalIdentifier: string): Promise<void> {
  const marker = await getMarker(space, externalIdentifier);
  if (!marker) return;
  const why = {
    requested: `a deletion request (${marker.requestId}) is open for this bag; it must be rejected before the bag can change`,
    deleting: 'the bag is being deleted',
    deleted: `the bag was deleted (deletion request ${marker.requestId}) and its identifier is not reused`,
  }[marker.state];
  throw new RefusalError(`Cannot ingest ${space}/${externalIdentifier}: ${why}`);
}
