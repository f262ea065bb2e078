import type { DigestAlgorithm, Digests } from '../archive/hashing/algorithms.ts';
import type { BagEntry } from './bag.ts';
import { isJunk, junkWarning, normalisationWarning } from './bag-warnings.ts';
import type { BagRecord } from './bag-records.ts';
import type { HashRequest } from './bag-store.ts';
import { duplicateFetchProblem } from './fetch-file.ts';
import { duplicateProblem, duplicateWarning, type Manifest } from './manifest.ts';
import { isPayloadPath } from './manifest-path.ts';
import { FETCH_FILE_INDEX } from './bag-records.ts';
import { REPORT_ORDER, type VerificationReport } from './verification-report.ts';

/** The checksums a present file must match: algorithm → expected hex digest. */
export type ExpectedDigests = Map<DigestAlgorithm, string>;

/** A file whose digests are not all known yet: hashed after the merge, then compared. */
export interface PendingHash extends HashRequest {
  expected: [DigestAlgorithm, string][];
}

/** What the checks of one group need to know about the whole bag. */
export interface GroupContext {
  /** By manifest index; undefined for manifests not checked (unsupported algorithm, unreadable). */
  manifests: readonly (Manifest | undefined)[];
  /** Whether fetch.txt was read (its records count). */
  fetchRead: boolean;
  /** Before BagIt 1.0 a file listed twice with the same checksum is only a warning. */
  duplicatesAllowed: boolean;
  /** Since BagIt 1.0 every payload file must be in every payload manifest. */
  everyManifest: boolean;
  /** Files in the listing: the order of fetch.txt names starts after them. */
  listed: number;
  report: VerificationReport;
}

/** What a group adds to the bag-wide results. */
export interface GroupResult {
  entries: BagEntry[];
  pending: PendingHash[];
  /** fetch.txt entries naming files not present, with their declared lengths (undefined for "-"). */
  unfetched: { path: string; length: number | undefined; line: number }[];
  /** The names of the group (present or to be fetched) with the order of the first: for case collisions. */
  names: { name: string; order: number } | undefined;
}

interface Line {
  path: string;
  checksum: string;
  line: number;
}

/**
 * Every rule about individual names, applied to one group of records sharing a Unicode normal form
 * (RFC 8493 §3): every manifest entry present (or, for payload, to be fetched), every payload file
 * in every payload manifest (in at least one before BagIt 1.0), fetch.txt entries listed in every
 * payload manifest and of their declared length when present, and known digests compared. A listed
 * name missing exactly but matching a single file in another normalisation (macOS rewrites names to
 * NFD) is accepted with a warning, as bagit-python does. Within a group, rules run in the order
 * their reasons take precedence (the first reason found for a file is the one reported).
 */
export function checkGroup(records: readonly BagRecord[], context: GroupContext): GroupResult {
  return checkSimpleGroup(records, context) ?? checkAnyGroup(records, context);
}

/** checkGroup without the shortcut for the common group (both exported for the test that compares them). */
export function checkAnyGroup(records: readonly BagRecord[], context: GroupContext): GroupResult {
  const { manifests, report } = context;
  const files = new Map<string, { size: number; order: number; digests: Digests }>();
  const lines = new Map<number, Line[]>();
  const fetchLines: { path: string; url: string; length: number | undefined; line: number }[] = [];
  for (const record of records) {
    if (record[0] === 'f')
      files.set(record[2], { size: record[3], order: record[4], digests: record[5] ?? {} });
    else if (record[0] === 'm') {
      if (!manifests[record[3]]) continue;
      const list = lines.get(record[3]) ?? [];
      list.push({ path: record[2], checksum: record[4], line: record[5] });
      lines.set(record[3], list);
    } else if (context.fetchRead) {
      fetchLines.push({ path: record[2], url: record[3], length: record[4] ?? undefined, line: record[5] });
    }
  }

  // Each manifest's entries, a file listed twice kept once (its first line).
  const kept = new Map<number, Map<string, Line>>();
  for (const [index, list] of [...lines].sort((a, b) => a[0] - b[0])) {
    const manifest = manifests[index] as Manifest;
    const first = new Map<string, Line>();
    for (const line of list.sort((a, b) => a.line - b.line)) {
      const earlier = first.get(line.path);
      if (!earlier) {
        first.set(line.path, line);
        continue;
      }
      const order = [REPORT_ORDER.tagFiles, index, line.line];
      if (earlier.checksum === line.checksum && context.duplicatesAllowed)
        report.warn(duplicateWarning(manifest.file, line.path), order);
      else report.fail(duplicateProblem(manifest.file, line.path), order);
    }
    kept.set(index, first);
  }
  const fetched = new Map<string, (typeof fetchLines)[number]>();
  for (const entry of fetchLines.sort((a, b) => a.line - b.line)) {
    if (fetched.has(entry.path)) {
      report.fail(duplicateFetchProblem('fetch.txt', entry.path), [
        REPORT_ORDER.tagFiles,
        FETCH_FILE_INDEX,
        entry.line,
      ]);
      continue;
    }
    fetched.set(entry.path, entry);
  }

  // Completeness: resolve every entry to a file present.
  const expected = new Map<string, ExpectedDigests>();
  const listedBy = new Map<string, Set<number>>();
  const only = files.size === 1 ? ([...files.keys()][0] as string) : undefined;
  for (const [index, entries] of kept) {
    const manifest = manifests[index] as Manifest;
    for (const { path: listed, checksum, line } of entries.values()) {
      const path = files.has(listed) ? listed : only;
      if (path !== undefined && path !== listed) {
        report.warn(
          `${manifest.file} lists ${listed}, stored under a name that differs only in Unicode normalisation`,
          [REPORT_ORDER.normalisation, index, line],
        );
      }
      if (path === undefined) {
        if (!(manifest.kind === 'payload' && fetched.has(listed))) report.failFile(listed, 'missing');
        continue;
      }
      let digests = expected.get(path);
      if (!digests) expected.set(path, (digests = new Map()));
      digests.set(manifest.algorithm, checksum);
      if (manifest.kind === 'payload') {
        let by = listedBy.get(path);
        if (!by) listedBy.set(path, (by = new Set()));
        by.add(index);
      }
    }
  }
  const payloadManifests = [...manifests.entries()].filter(
    (entry): entry is [number, Manifest] => entry[1]?.kind === 'payload',
  );
  if (payloadManifests.length > 0) {
    for (const path of files.keys()) {
      if (!isPayloadPath(path)) continue;
      const listing = listedBy.get(path);
      const missingFrom = payloadManifests.filter(([index]) => !listing?.has(index));
      if (missingFrom.length === payloadManifests.length) {
        report.failFile(
          path,
          payloadManifests.length === 1 ? `not in ${payloadManifests[0]?.[1].file}` : 'not in any manifest',
        );
      } else if (context.everyManifest && missingFrom.length > 0) {
        report.failFile(path, `not in ${missingFrom.map(([, manifest]) => manifest.file).join(' or ')}`);
      }
    }
  }

  // fetch.txt: listed in every payload manifest; a fetched file present has its declared length.
  const unfetched: GroupResult['unfetched'] = [];
  for (const entry of fetched.values()) {
    for (const [index, manifest] of payloadManifests) {
      if (!kept.get(index)?.has(entry.path)) {
        report.fail(`fetch.txt lists ${entry.path}, which is not in ${manifest.file}`, [
          REPORT_ORDER.fetchEntries,
          entry.line,
          index,
        ]);
      }
    }
    const size = files.get(entry.path)?.size;
    if (size !== undefined && entry.length !== undefined && size !== entry.length) {
      report.failFile(entry.path, 'size', `fetch.txt declares ${entry.length} bytes, found ${size}`);
    }
    if (size === undefined) unfetched.push({ path: entry.path, length: entry.length, line: entry.line });
  }

  // Fixity, as far as the digests are known; the rest is hashed after the merge.
  const pending: PendingHash[] = [];
  for (const [path, digests] of expected) {
    const file = files.get(path) as { size: number; digests: Digests };
    const unknown: DigestAlgorithm[] = [];
    for (const algorithm of digests.keys())
      if (file.digests[algorithm] === undefined) unknown.push(algorithm);
    compareDigests(path, digests, file.digests, report);
    if (unknown.length > 0)
      pending.push({ path, size: file.size, algorithms: unknown, expected: [...digests] });
  }

  // What the bag's entries read back: every name present or to be fetched.
  const entries: BagEntry[] = [];
  const names = new Set([...files.keys(), ...fetched.keys()]);
  for (const path of [...names].sort()) {
    const listed: Digests = {};
    for (const [index, entriesOf] of kept) {
      const line = entriesOf.get(path);
      if (line) listed[(manifests[index] as Manifest).algorithm] = line.checksum;
    }
    const file = files.get(path);
    const fetch = fetched.get(path);
    entries.push({
      path,
      ...(file ? { present: { size: file.size, digests: { ...file.digests, ...listed } } } : {}),
      ...(fetch ? { fetch: { url: fetch.url, length: fetch.length, path, line: fetch.line } } : {}),
      listed,
      order: file ? file.order : context.listed + (fetch as { line: number }).line,
    });
  }

  for (const [path, file] of files)
    if (isJunk(path)) report.warn(junkWarning(path), [REPORT_ORDER.warnings, 3, file.order]);

  // Names that differ only in normalisation cannot be restored side by side on macOS or Windows.
  const collision = [...files.entries()]
    .map(([name, file]) => ({ name, order: file.order }))
    .concat(unfetched.map((entry) => ({ name: entry.path, order: context.listed + entry.line })));
  if (collision.length > 1) {
    report.warn(normalisationWarning(collision.map((entry) => entry.name)), [
      REPORT_ORDER.warnings,
      1,
      Math.min(...collision.map((entry) => entry.order)),
    ]);
  }
  const first = collision.length > 0 ? Math.min(...collision.map((entry) => entry.order)) : undefined;
  const nfc = records[0]?.[1] as string;
  return {
    entries,
    pending,
    unfetched,
    names: first === undefined ? undefined : { name: nfc, order: first },
  };
}

/**
 * The group nearly every name makes: one file present and at most one line for it in each manifest,
 * under exactly its name, no fetch.txt entry. Checked without the general case's maps, by the same
 * rules, in the same order, with the same reasons.
 */
export function checkSimpleGroup(
  records: readonly BagRecord[],
  context: GroupContext,
): GroupResult | undefined {
  const file = records[0];
  if (file === undefined || file[0] !== 'f') return undefined;
  const path = file[2];
  const { manifests, report } = context;
  for (let i = 1; i < records.length; i++) {
    const record = records[i] as BagRecord;
    if (record[0] !== 'm' || record[2] !== path || !manifests[record[3]]) return undefined;
    // A manifest that lists the name twice is the general case's to judge.
    for (let j = 1; j < i; j++) if ((records[j] as BagRecord)[3] === record[3]) return undefined;
  }
  type LineRecord = Extract<BagRecord, { 0: 'm' }>;
  // One line (one manifest) is the common case: no copy to sort.
  const lines =
    records.length === 2
      ? [records[1] as LineRecord]
      : (records.slice(1) as LineRecord[]).sort((a, b) => a[3] - b[3]);
  if (isPayloadPath(path)) {
    const payload = payloadManifestsOf(manifests);
    if (payload.length > 0 && !(lines.length === payload.length && listsEvery(lines, payload))) {
      const missingFrom = payload.filter(([index]) => !lines.some((line) => line[3] === index));
      if (missingFrom.length === payload.length) {
        report.failFile(
          path,
          payload.length === 1 ? `not in ${payload[0]?.[1].file}` : 'not in any manifest',
        );
      } else if (context.everyManifest && missingFrom.length > 0) {
        report.failFile(path, `not in ${missingFrom.map(([, manifest]) => manifest.file).join(' or ')}`);
      }
    }
  }
  const digests = file[5] ?? {};
  const expected: [DigestAlgorithm, string][] = [];
  const listed: Digests = {};
  const unknown: DigestAlgorithm[] = [];
  for (const line of lines) {
    const algorithm = (manifests[line[3]] as Manifest).algorithm;
    expected.push([algorithm, line[4]]);
    listed[algorithm] = line[4];
    if (digests[algorithm] === undefined) unknown.push(algorithm);
  }
  compareDigests(path, expected, digests, report);
  const pending: PendingHash[] =
    unknown.length > 0 ? [{ path, size: file[3], algorithms: unknown, expected }] : [];
  if (isJunk(path)) report.warn(junkWarning(path), [REPORT_ORDER.warnings, 3, file[4]]);
  return {
    entries: [
      { path, present: { size: file[3], digests: { ...digests, ...listed } }, listed, order: file[4] },
    ],
    pending,
    unfetched: [],
    names: { name: file[1], order: file[4] },
  };
}

/** Whether the lines (one per manifest at most, in manifest order) are exactly those of `payload`. */
function listsEvery(lines: readonly BagRecord[], payload: readonly [number, Manifest][]): boolean {
  for (let i = 0; i < payload.length; i++) if ((lines[i] as BagRecord)[3] !== payload[i]?.[0]) return false;
  return true;
}

const payloadManifestCache = new WeakMap<readonly (Manifest | undefined)[], [number, Manifest][]>();

function payloadManifestsOf(manifests: readonly (Manifest | undefined)[]): [number, Manifest][] {
  let payload = payloadManifestCache.get(manifests);
  if (!payload) {
    payload = [...manifests.entries()].filter(
      (entry): entry is [number, Manifest] => entry[1]?.kind === 'payload',
    );
    payloadManifestCache.set(manifests, payload);
  }
  return payload;
}

export function compareDigests(
  path: string,
  expected: Iterable<[DigestAlgorithm, string]>,
  actual: Digests,
  report: VerificationReport,
): void {
  for (const [algorithm, digest] of expected) {
    const found = actual[algorithm];
    if (found !== undefined && found !== digest) {
      report.failFile(path, 'checksum', `${algorithm} expected ${digest}, found ${found}`);
    }
  }
}
