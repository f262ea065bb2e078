import { versionNumber } from '../storage/storage-layout.ts';
import { listVersions } from './bag-registry.ts';

/**
 * A page of a bag's registered versions, newest first, optionally only those before `before`;
 * undefined if there are none.
 */
export async function bagVersionsPage(
  space: string,
  externalIdentifier: string,
  page: { before?: string; limit: number; cursor: string | undefined; caller: string },
) {
  const { versions, next } = await listVersions(space, externalIdentifier, {
    ...page,
    before: page.before ? versionNumber(page.before) : undefined,
  });
  if (versions.length === 0) return undefined;
  return {
    type: 'ResultList',
    results: versions.map((version) => ({
      type: 'Bag',
      id: `${space}/${externalIdentifier}`,
      version: version.version,
      createdDate: version.createdDate,
    })),
    ...(next ? { next } : {}),
  };
}
