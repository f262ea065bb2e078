import { versionNumber } from '../storage/storage-layout.ts';
import { listVersions } from './bag-registry.ts';

/** A bag's registered versions, newest first, optionally only those before `before`; undefined if none. */
export async function bagVersionsPage(space: string, externalIdentifier: string, before?: string) {
  const versions = await listVersions(space, externalIdentifier, before ? versionNumber(before) : undefined);
  if (versions.length === 0) return undefined;
  return {
    type: 'ResultList',
    results: versions.map((version) => ({
      type: 'Bag',
      id: `${space}/${externalIdentifier}`,
      version: version.version,
      createdDate: version.createdDate,
    })),
  };
}
