import type { Principal } from '../auth/principal.ts';
import { canUseSpace } from '../auth/principal.ts';
import { getStoredFile, type StoredFileRecord } from '../bags/bag-registry.ts';
import { refuseFilesOfDeletedBags } from '../deletion/bag-availability.ts';
import { Invalid } from '../errors.ts';
import { storedFileKey } from '../storage/storage-layout.ts';
import type { CartEntry, CartFile } from './cart-file.ts';
import { mapConcurrently } from '../map-concurrently.ts';

const LOOKUPS_IN_FLIGHT = 32;
/** How many bad ids one error message lists before it summarises. */
const NAMED_IDS = 1000;

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
 * not use are refused alike (no existence leak), and the whole cart is refused naming all of them.
 */
export async function resolveCartFiles(
  entries: readonly CartEntry[],
  caller: Principal,
): Promise<CartFile[]> {
  await refuseFilesOfDeletedBags(
    entries.map((entry) => entry.id),
    caller,
  );
  const found = await mapConcurrently(entries, LOOKUPS_IN_FLIGHT, async (entry) => {
    const stored = await getStoredFile(entry.id);
    return stored && canUseSpace(caller, stored.space) ? stored : undefined;
  });
  const bad = [...new Set(entries.filter((_, index) => !found[index]).map((entry) => entry.id))];
  if (bad.length > 0) {
    const named = bad.slice(0, NAMED_IDS).join(', ');
    const more = bad.length > NAMED_IDS ? ` and ${bad.length - NAMED_IDS} more` : '';
    throw new Invalid(`No stored file with these ids in your spaces: ${named}${more}`);
  }
  return entries.map((entry, index) => toCartFile(entry, found[index] as StoredFileRecord));
}
