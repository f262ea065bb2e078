import { encodePath } from './api-client.ts';
import { UsageError } from './usage-error.ts';

export interface BagId {
  space: string;
  externalIdentifier: string;
}

/** `digitised/b1234` or `digitised/a/b/c` (identifiers may contain slashes). */
export function parseBagId(text: string): BagId {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) {
    throw new UsageError(`bad bag "${text}": expected SPACE/EXTERNAL-IDENTIFIER, e.g. digitised/b1234`);
  }
  return { space: text.slice(0, slash), externalIdentifier: text.slice(slash + 1) };
}

export function checkVersion(version: string | undefined): string | undefined {
  if (version !== undefined && !/^v[1-9][0-9]*$/.test(version)) {
    throw new UsageError(`bad --version "${version}": expected v1, v2, …`);
  }
  return version;
}

/** `/bags/digitised/b1234` + suffix, the identifier's segments encoded. */
export const bagPath = (bag: BagId, suffix = '') =>
  `/bags/${encodeURIComponent(bag.space)}/${encodePath(bag.externalIdentifier)}${suffix}`;

export interface ManifestFile {
  name: string;
  path: string;
  size: number;
  checksum: string;
}

export interface StorageManifest {
  id: string;
  version: string;
  createdDate: string;
  info: Record<string, unknown>;
  manifest: { checksumAlgorithm: 'SHA-256' | 'SHA-512'; files: ManifestFile[] };
  tagManifest: { checksumAlgorithm: 'SHA-256' | 'SHA-512'; files: ManifestFile[] };
  location: { bucket: string; path: string; storageClass?: string };
  replicaLocations: { name?: string; bucket: string; storageClass?: string }[];
  ingestId: string;
}
