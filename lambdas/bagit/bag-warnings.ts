import type { Manifest } from './manifest.ts';

// The ingest requires one of these (ingest-policy.ts); a bag without them is valid but gets a warning.
const RECOMMENDED_ALGORITHMS = new Set(['sha256', 'sha512']);

// Files operating systems leave behind when a folder is browsed; harmless, but rarely meant to be kept.
const JUNK_NAMES = new Set(['.ds_store', 'thumbs.db', 'ehthumbs.db', 'desktop.ini', '.directory', 'icon\r']);
const JUNK_DIRECTORIES = new Set([
  '__macosx',
  '.spotlight-v100',
  '.trashes',
  '.fseventsd',
  '.temporaryitems',
]);

/** Things that do not make a bag invalid but that an archivist wants to know: the texts. */
export function weakManifestWarning(manifests: readonly Manifest[]): string | undefined {
  const algorithms = manifests.map((manifest) => manifest.algorithm);
  if (algorithms.length === 0 || algorithms.some((algorithm) => RECOMMENDED_ALGORITHMS.has(algorithm)))
    return undefined;
  return `The payload manifests use only ${algorithms.join(' and ')}; sha256 or sha512 is recommended`;
}

// Names that collide on case-insensitive or normalising file systems (Windows, macOS) cannot be
// restored there side by side.
export const normalisationWarning = (names: readonly string[]) =>
  `${[...names].sort().join(' and ')} differ only in Unicode normalisation`;

export const letterCaseWarning = (names: readonly string[]) =>
  `${[...names].sort().join(' and ')} differ only in letter case`;

export const junkWarning = (path: string) => `${path} looks like an operating-system junk file`;

export function unfetchedWarning(count: number, shown: readonly string[]): string {
  const more = count > shown.length ? ` and ${count - shown.length} more` : '';
  return (
    `${count} ${count === 1 ? 'file is' : 'files are'} listed in fetch.txt ` +
    `but not in the bag (a holey bag): ${shown.join(', ')}${more}`
  );
}

export function isJunk(path: string): boolean {
  const segments = path.toLowerCase().split('/');
  const name = segments.at(-1) as string;
  return JUNK_NAMES.has(name) || name.startsWith('._') || segments.some((s) => JUNK_DIRECTORIES.has(s));
}
