import type { Principal } from '../auth/principal.ts';
import { canUseSpace } from '../auth/principal.ts';
import { getStoredFile, type StoredFileRecord } from '../bags/bag-registry.ts';
import { refuseFilesOfDeletedBags } from '../deletion/bag-availability.ts';
import { Invalid } from '../errors.ts';
import { storedFileKey } from '../storage/storage-layout.ts';
import type { CartEntry, CartFile } from './cart-file.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import { listIdsWithin } from './id-list.ts';

const LOOKUPS_IN_FLIGHT = 32;
/** Characters of ids one error message names before it summarises (a cart's error is at most 1,000). */
const NAMED_IDS_CHARS = 800;

/** sha512 beats sha256: the strongest digest the storage manifest has for the file. */
function fixityOf(stored: StoredFileRecord): CartFile['fixity'] {
  if (stored.checksums.sha512) return { hashtype: 'sha512', digest: stored.checksums.sha512 };
  if (stored.checksums.sha256) return { hashtype: 'sha256', digest: stored.checksums.sha256 };
  return undefined;
}

function toCartFile(entry: CartEntry, stored: StoredFileRecord): CartFile {
  const manifestDigest = stored.checksums[entry.hashtype]?.toLowerCase();
  const expected = entry.hashsum || manifestDigest;
  return {
    id: entry.id,
    space: stored.space,
    key: storedFileKey(stored.space, stored.externalIdentifier, stored.version, stored.path),
    ...(stored.versionIds ? { versionIds: stored.versionIds } : {}),
    path: entry.path,
    size: stored.size,
    hashtype: entry.hashtype,
    expected,
    ...(expected && expected === manifestDigest ? { expectedFromManifest: true } : {}),
    fixity: fixityOf(stored),
  };
}

/**
 * Looks every entry's id up in the registry. An id that is unknown and one in a space the caller may
 * not use are refused alike (no existence leak), and the whole cart is refused naming them (as many as
 * its message holds).
 */
export async function resolveCartFiles(
  entries: readonly CartEntry[],
  caller: Principal,
): Promise<CartFile[]> {
  await refuseFilesOfDeletedBags(
    entries.map((entry) => entry.id),
    caller,
  );
  // A cart may name one file at many paths: each id is looked up once.
  const ids = [...new Set(entries.map((entry) => entry.id))];
  const records = await mapConcurrently(ids, LOOKUPS_IN_FLIGHT, async (id) => {
    const stored = await getStoredFile(id);
    return stored && canUseSpace(caller, stored.space) ? stored : undefined;
  });
  const found = new Map(ids.map((id, index) => [id, records[index]]));
  const bad = ids.filter((id) => !found.get(id));
  if (bad.length > 0) {
    throw new Invalid(`No stored file with these ids in your spaces: ${listIdsWithin(bad, NAMED_IDS_CHARS)}`);
  }
  return entries.map((entry) => toCartFile(entry, found.get(entry.id) as StoredFileRecord));
}
