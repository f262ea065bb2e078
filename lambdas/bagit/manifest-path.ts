import { isPlainRelativePath } from '../safe-path.ts';

/**
 * Paths in manifests and fetch.txt: "/"-separated, relative to the bag, with CR, LF and "%"
 * percent-encoded (RFC 8493 §2.1.3). A leading "./" (or any "." or ".." that stays inside the bag)
 * is tolerated but reported as `relative`, since RFC 8493 wants the plain form and other tools may
 * not resolve it (LoC conformance suite `warning/relative-path`); anything that would resolve
 * outside the bag is refused.
 */
export type DecodedPath = { ok: true; path: string; relative: boolean } | { ok: false; problem: string };

export function decodeManifestPath(raw: string): DecodedPath {
  if (isPlainPath(raw)) return { ok: true, path: raw, relative: false };
  const decoded = raw.replace(/%(0A|0D|25)/gi, (escape) =>
    String.fromCharCode(parseInt(escape.slice(1), 16)),
  );
  if (decoded.startsWith('/') || /^[A-Za-z]:[\\/]/.test(decoded)) {
    return { ok: false, problem: `path ${JSON.stringify(raw)} escapes the bag (absolute path)` };
  }
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) return { ok: false, problem: `path ${JSON.stringify(raw)} escapes the bag` };
      segments.pop();
    } else {
      segments.push(segment);
    }
  }
  if (segments.length === 0) return { ok: false, problem: `path ${JSON.stringify(raw)} names no file` };
  // A decoded CR or LF is a valid name here; that it cannot become a stored key is the ingest's
  // rule (ingest-policy.ts), not RFC 8493's.
  const path = segments.join('/');
  return { ok: true, path, relative: path !== decoded };
}

export function isPayloadPath(path: string): boolean {
  return path.startsWith('data/');
}

/** A path that decodes to itself (nearly every manifest line): plain and relative, no "%". */
function isPlainPath(raw: string): boolean {
  return isPlainRelativePath(raw) && !raw.includes('%');
}
