import type { Bag } from './bag.ts';
import type { FetchEntry } from './fetch-file.ts';
import type { VerificationReport } from './verification-report.ts';

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

/** Things that do not make a bag invalid but that an archivist wants to know. */
export function warnAbout(bag: Bag, unfetched: readonly FetchEntry[], report: VerificationReport): void {
  warnAboutWeakManifests(bag, report);
  warnAboutNameCollisions([...bag.files.keys(), ...unfetched.map((entry) => entry.path)], report);
  for (const path of bag.files.keys())
    if (isJunk(path)) report.warn(`${path} looks like an operating-system junk file`);
  if (unfetched.length > 0) {
    const shown = unfetched.slice(0, 10).map((entry) => entry.path);
    const more = unfetched.length > shown.length ? ` and ${unfetched.length - shown.length} more` : '';
    report.warn(
      `${unfetched.length} ${unfetched.length === 1 ? 'file is' : 'files are'} listed in fetch.txt ` +
        `but not in the bag (a holey bag): ${shown.join(', ')}${more}`,
    );
  }
}

function warnAboutWeakManifests(bag: Bag, report: VerificationReport): void {
  const algorithms = bag.manifests.map((manifest) => manifest.algorithm);
  if (algorithms.length > 0 && !algorithms.some((algorithm) => RECOMMENDED_ALGORITHMS.has(algorithm))) {
    report.warn(
      `The payload manifests use only ${algorithms.join(' and ')}; sha256 or sha512 is recommended`,
    );
  }
}

// Names that collide on case-insensitive or normalising file systems (Windows, macOS) cannot be
// restored there side by side.
function warnAboutNameCollisions(paths: readonly string[], report: VerificationReport): void {
  const byNormalForm = groupBy(paths, (path) => path.normalize('NFC'));
  for (const group of byNormalForm.values()) {
    if (group.length > 1) report.warn(`${group.sort().join(' and ')} differ only in Unicode normalisation`);
  }
  const byFoldedCase = groupBy([...byNormalForm.keys()], (path) => path.toLowerCase());
  for (const group of byFoldedCase.values()) {
    if (group.length > 1) report.warn(`${group.sort().join(' and ')} differ only in letter case`);
  }
}

function isJunk(path: string): boolean {
  const segments = path.toLowerCase().split('/');
  const name = segments.at(-1) as string;
  return JUNK_NAMES.has(name) || name.startsWith('._') || segments.some((s) => JUNK_DIRECTORIES.has(s));
}

function groupBy(values: readonly string[], key: (value: string) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const value of values) {
    const k = key(value);
    const group = groups.get(k);
    if (group) group.push(value);
    else groups.set(k, [value]);
  }
  return groups;
}
