/**
 * Where things live in S3. Stored files: `{space}/{externalIdentifier}/{version}/{path in bag}` in every
 * location; that key in the primary location is the file's id (SPEC §3). The unpack area holds each
 * ingest's files under `{space}/{ingestId}/` and the workflow's own lists under `.work/{ingestId}/`
 * (a dot never starts a space id, so the two cannot collide).
 */
export function storedFileKey(
  space: string,
  externalIdentifier: string,
  version: string,
  path: string,
): string {
  return `${space}/${externalIdentifier}/${version}/${path}`;
}

export function bagPrefix(space: string, externalIdentifier: string): string {
  return `${space}/${externalIdentifier}`;
}

export function storageManifestKey(space: string, externalIdentifier: string, version: string): string {
  return `.manifests/${space}/${externalIdentifier}/${version}.json`;
}

export function unpackPrefix(space: string, ingestId: string): string {
  return `${space}/${ingestId}/`;
}

/**
 * The workflows' own lists (chunk files and indexes, plans) live under this prefix of the unpack
 * bucket; an ingest's keys there are named in lambdas/ingest-workflow/work-area.ts.
 */
export const WORK_AREA_PREFIX = '.work/';

export function workPrefix(ingestId: string): string {
  return `${WORK_AREA_PREFIX}${ingestId}/`;
}

const VERSION = /^v([1-9]\d*)$/;

export function versionNumber(version: string): number | undefined {
  const match = VERSION.exec(version);
  return match ? Number(match[1]) : undefined;
}

export const versionLabel = (n: number) => `v${n}`;

/** Splits a stored file id into its parts; `undefined` when it is not of that form. */
export function parseStoredFileId(id: string) {
  const segments = id.split('/');
  const versionIndex = segments.findIndex((segment, index) => index >= 2 && VERSION.test(segment));
  if (versionIndex < 2 || versionIndex === segments.length - 1) return undefined;
  return {
    space: segments[0] as string,
    externalIdentifier: segments.slice(1, versionIndex).join('/'),
    version: segments[versionIndex] as string,
    path: segments.slice(versionIndex + 1).join('/'),
  };
}
