import type { Digests } from '../archive/hashing/algorithms.ts';
import type { ExternalSorter } from '../external-sort.ts';
import type { BagStore } from './bag-store.ts';
import { parseFetchLine } from './fetch-file.ts';
import { parseManifestLine, relativePathWarning, type Manifest } from './manifest.ts';
import { TagDecodeError, tagDecoder } from './tag-encoding.ts';
import { readTagLineBatches } from './tag-lines.ts';
import { REPORT_ORDER, type ReportOrder, type VerificationReport } from './verification-report.ts';

/**
 * What verification merges, one record per file present, manifest line and fetch.txt line, sorted by
 * the name's Unicode normal form (NFC) so that everything about one name (and about names that
 * differ only in normalisation) arrives together. Tuples keep the spooled runs small.
 */
export type BagRecord =
  /** A file present: normal form, path, size, its place in the listing, digests already known. */
  | ['f', string, string, number, number, Digests | null]
  /** A manifest line: normal form, path, manifest index, checksum, line. */
  | ['m', string, string, number, string, number]
  /** A fetch.txt line: normal form, path, URL, length (null for "-"), line. */
  | ['u', string, string, string, number | null, number];

export const recordKey = (record: BagRecord) => record[1];

/** About the length of a record's JSON, without writing it (the sorter's run size). */
export function recordSize(record: BagRecord): number {
  let size = 8;
  for (const field of record) {
    if (typeof field === 'string') size += field.length + 3;
    else if (field !== null && typeof field === 'object') {
      for (const hex of Object.values(field)) size += (hex?.length ?? 0) + 12;
    } else size += 16;
  }
  return size;
}

/** fetch.txt's place among the tag files in the report: after every manifest. */
export const FETCH_FILE_INDEX = Number.MAX_SAFE_INTEGER;

/**
 * Streams one manifest into the sorter. Line problems are reported with their line; a manifest whose
 * bytes are not valid in the declared encoding is reported as unreadable instead, and its lines
 * are dropped (returns false), as if it had not been read.
 */
export async function streamManifest(
  store: BagStore,
  manifest: Manifest,
  index: number,
  encoding: string,
  sorter: ExternalSorter<BagRecord>,
  report: VerificationReport,
): Promise<boolean> {
  const order = (line: number): ReportOrder => [REPORT_ORDER.tagFiles, index, line];
  const problems: { line: number; problem: string }[] = [];
  let relative = 0;
  let firstRelative = '';
  const decoder = tagDecoder(encoding, manifest.file);
  if (!decoder) throw new Error(`No decoder for ${encoding}`);
  try {
    for await (const lines of readTagLineBatches(store, manifest.file, decoder)) {
      for (const line of lines) {
        const parsed = parseManifestLine(
          line.text,
          manifest.file,
          line.number,
          manifest.kind,
          manifest.algorithm,
        );
        if (parsed.blank) continue;
        if (parsed.problem !== undefined) {
          problems.push({ line: line.number, problem: parsed.problem });
          continue;
        }
        if (parsed.relative !== undefined && relative++ === 0) firstRelative = parsed.relative;
        const wait = sorter.add([
          'm',
          parsed.path.normalize('NFC'),
          parsed.path,
          index,
          parsed.checksum,
          line.number,
        ]);
        if (wait) await wait;
      }
    }
  } catch (error) {
    if (!(error instanceof TagDecodeError)) throw error;
    report.fail(error.problem, order(0));
    return false;
  }
  for (const warning of decoder.warnings) report.warn(warning, order(0));
  for (const { line, problem } of problems) report.fail(problem, order(line));
  if (relative > 0)
    report.warn(relativePathWarning(manifest.file, relative, firstRelative), order(Number.MAX_SAFE_INTEGER));
  return true;
}

/** Streams fetch.txt into the sorter, like streamManifest. */
export async function streamFetchFile(
  store: BagStore,
  encoding: string,
  sorter: ExternalSorter<BagRecord>,
  report: VerificationReport,
): Promise<boolean> {
  const file = 'fetch.txt';
  const order = (line: number): ReportOrder => [REPORT_ORDER.tagFiles, FETCH_FILE_INDEX, line];
  const problems: { line: number; problem: string }[] = [];
  const decoder = tagDecoder(encoding, file);
  if (!decoder) throw new Error(`No decoder for ${encoding}`);
  try {
    for await (const lines of readTagLineBatches(store, file, decoder)) {
      for (const line of lines) {
        const parsed = parseFetchLine(line.text, `${file} line ${line.number}`);
        if (parsed.blank) continue;
        if (parsed.problem !== undefined) {
          problems.push({ line: line.number, problem: parsed.problem });
          continue;
        }
        const { url, length, path } = parsed.entry;
        const wait = sorter.add(['u', path.normalize('NFC'), path, url, length ?? null, line.number]);
        if (wait) await wait;
      }
    }
  } catch (error) {
    if (!(error instanceof TagDecodeError)) throw error;
    report.fail(error.problem, order(0));
    return false;
  }
  for (const warning of decoder.warnings) report.warn(warning, order(0));
  for (const { line, problem } of problems) report.fail(problem, order(line));
  return true;
}
