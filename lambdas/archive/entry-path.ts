import { isPlainRelativePath, relativePathProblem } from '../safe-path.ts';

/**
 * Turn a tar entry name into the relative path it will be stored under, or explain why it may not
 * be stored at all. Only names that stay inside the unpack area survive: no absolute paths and no
 * ".." segments, wherever they appear (a later entry could otherwise climb out through them).
 */
export type EntryPath = { ok: true; path: string } | { ok: false; problem: string };

/**
 * Which names an unpack accepts. `storable` (the default): every name will become an S3 key, so it
 * must follow the safe-path rule (SPEC §3), which refuses control characters. `readable`: the archive
 * is only read, never stored (`bagvault validate`), so any name a bag may hold is accepted, including
 * the CR and LF that RFC 8493 §2.1.3 lets a manifest percent-encode.
 */
export type EntryNames = 'storable' | 'readable';

export function normaliseEntryPath(name: string, names: EntryNames = 'storable'): EntryPath {
  if (names === 'readable' && isPlainName(name)) return { ok: true, path: name };
  const quoted = JSON.stringify(name);
  if (name.length === 0) return refuse('Archive entry with an empty name');
  if (name.includes('\0')) return refuse(`Archive entry ${quoted} has a NUL byte in its name`);
  if (name.startsWith('/')) return refuse(`Archive entry ${quoted} escapes the bag: absolute path`);
  if (/^[A-Za-z]:[\\/]/.test(name) || name.startsWith('\\\\')) {
    return refuse(`Archive entry ${quoted} escapes the bag: absolute Windows path`);
  }
  // "./a", "a//b" and "a/./b" all mean "a/b"; a trailing "/" only marks a directory.
  const segments = name.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return refuse(`Archive entry ${quoted} escapes the bag: ".." path segment`);
  if (segments.length === 0) return { ok: true, path: '' };
  const path = segments.join('/');
  if (names === 'readable') return { ok: true, path };
  // The same segment rule as every other path that becomes an S3 key (SPEC §3); the key's length
  // is checked where its prefix is known.
  const problem = relativePathProblem(path, Number.POSITIVE_INFINITY);
  if (problem) return refuse(`Archive entry ${quoted} ${problem.replace(/\.$/, '')}`);
  return { ok: true, path };
}

function refuse(problem: string): EntryPath {
  return { ok: false, problem };
}

/**
 * A name already in the form normaliseEntryPath gives it (nearly every name of a tar made by a bag
 * tool): plain and relative, no NUL, not a Windows network path.
 */
function isPlainName(name: string): boolean {
  return isPlainRelativePath(name) && !name.includes('\0') && !name.startsWith('\\\\');
}
