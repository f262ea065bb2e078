import { isExternalIdentifier } from '../identifiers.ts';

/**
 * What `GET /bags/{space}/{proxy+}` asks for. Identifiers contain slashes, so the proxy path is one
 * string: `{externalIdentifier}` (the storage manifest), `{externalIdentifier}/versions`, or
 * `{externalIdentifier}/files/{path in bag}`.
 */
export type BagRequest =
  | { kind: 'manifest'; externalIdentifier: string }
  | { kind: 'versions'; externalIdentifier: string }
  | { kind: 'file'; externalIdentifier: string; path: string }
  | { kind: 'fixity' | 'events'; externalIdentifier: string };

/** Lists about a bag: its fixity runs and its preservation history. */
const LIST_SUFFIXES = { '/fixity': 'fixity', '/events': 'events' } as const;

const VERSIONS_SUFFIX = '/versions';

/** A path inside a bag as manifests hold it: relative, no empty, `.` or `..` segments. */
function isBagPath(path: string): boolean {
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/**
 * Every way to read the proxy path, in the order to try them. An identifier may itself contain a
 * `files` segment (SPEC §3 allows it), so `a/files/b` is either the bag `a/files/b` or the file `b`
 * of bag `a`; the caller takes the first reading whose bag exists, the whole identifier first.
 * (`/versions` is unambiguous: no identifier may end with it.)
 */
export function readingsOf(proxy: string): BagRequest[] {
  if (proxy.endsWith(VERSIONS_SUFFIX)) {
    const externalIdentifier = proxy.slice(0, -VERSIONS_SUFFIX.length);
    return isExternalIdentifier(externalIdentifier) ? [{ kind: 'versions', externalIdentifier }] : [];
  }
  const readings: BagRequest[] = [];
  if (isExternalIdentifier(proxy)) readings.push({ kind: 'manifest', externalIdentifier: proxy });
  for (const [suffix, kind] of Object.entries(LIST_SUFFIXES)) {
    const externalIdentifier = proxy.slice(0, -suffix.length);
    if (proxy.endsWith(suffix) && isExternalIdentifier(externalIdentifier)) {
      readings.push({ kind, externalIdentifier });
    }
  }
  const segments = proxy.split('/');
  segments.forEach((segment, index) => {
    if (segment !== 'files' || index === 0 || index === segments.length - 1) return;
    const externalIdentifier = segments.slice(0, index).join('/');
    const path = segments.slice(index + 1).join('/');
    if (isExternalIdentifier(externalIdentifier) && isBagPath(path)) {
      readings.push({ kind: 'file', externalIdentifier, path });
    }
  });
  return readings;
}
