import { ExternalSorter, Spool } from '../external-sort.ts';
import type { BagEntry, Verification } from './bag.ts';
import { recordKey, recordSize, streamFetchFile, streamManifest, type BagRecord } from './bag-records.ts';
import type { BagStore, StoredFile } from './bag-store.ts';
import { compareVersion } from './bagit-declaration.ts';
import { letterCaseWarning, unfetchedWarning, weakManifestWarning } from './bag-warnings.ts';
import { checkPendingFixity, type FixityOptions } from './fixity.ts';
import type { Manifest } from './manifest.ts';
import { isPayloadPath } from './manifest-path.ts';
import { checkGroup, type GroupContext, type PendingHash } from './path-group-check.ts';
import { checkPayloadOxum } from './payload-checks.ts';
import { isTagFileName, readBagHead } from './read-bag.ts';
import { REPORT_ORDER, VerificationReport } from './verification-report.ts';

export interface VerifyOptions extends FixityOptions {
  /** Size of the sorted runs kept in memory before they go to disk (tests lower it). */
  runChars?: number;
}

/** How many fetch.txt names the holey-bag warning shows. */
const SHOWN_UNFETCHED = 10;

/**
 * Validate a bag per RFC 8493 (and BagIt 0.93–0.97) wherever it is stored. Every problem is
 * collected; nothing stops at the first. Policy (what an ingest additionally demands) is not here:
 * see ingest-policy.ts.
 *
 * Memory does not grow with the bag: the file listing, every manifest line and every fetch.txt line
 * become records, sorted by name in bounded runs on disk and merged, so all that concerns one name
 * arrives together and is checked together (path-group-check.ts). The report still reads in the
 * bag's own order (see ReportOrder). The bag's entries are spooled for `bag.entries()`; call
 * `dispose()` when done with them.
 */
export async function verifyBag(store: BagStore, options: VerifyOptions = {}): Promise<Verification> {
  const report = new VerificationReport();
  const runs = { runChars: options.runChars };
  const records = new ExternalSorter<BagRecord>(recordKey, { ...runs, sizeOf: recordSize });
  const entries = new Spool<BagEntry>({ ...runs, sizeOf: entrySize });
  const pending = new Spool<PendingHash>({ ...runs, sizeOf: pendingSize });
  const names = new ExternalSorter<{ fold: string; name: string; order: number }>((name) => name.fold, {
    ...runs,
    sizeOf: (name) => name.fold.length + name.name.length + 40,
  });
  let kept = false;
  try {
    const tagNames = new Set<string>();
    const payload = { files: 0, bytes: 0, lengthsKnown: true };
    let listed = 0;
    let fileCount = 0;
    const see = (file: StoredFile): Promise<void> | undefined => {
      const order = listed++;
      if (file.notRegular) {
        report.failFile(file.path, file.notRegular);
        return undefined;
      }
      fileCount++;
      if (isTagFileName(file.path)) tagNames.add(file.path);
      if (isPayloadPath(file.path)) {
        payload.files += 1;
        payload.bytes += file.size;
      }
      const digests = file.digests ?? options.knownDigests?.(file.path) ?? null;
      return records.add(['f', file.path.normalize('NFC'), file.path, file.size, order, digests]);
    };
    // A listing already in memory is read without an await per file (bags of many small files).
    const inMemory = store.listedFiles?.();
    if (inMemory) {
      for (const file of inMemory) {
        const wait = see(file);
        if (wait) await wait;
      }
    } else {
      for await (const file of store.listFiles()) {
        const wait = see(file);
        if (wait) await wait;
      }
    }

    const head = await readBagHead(store, tagNames, report);
    if (!head) return report.finish(undefined, 0, async () => {});
    const { declaration } = head;
    const manifests = [...head.manifestFiles];
    for (const [index, manifest] of manifests.entries()) {
      if (manifest && !(await streamManifest(store, manifest, index, declaration.encoding, records, report)))
        manifests[index] = undefined;
    }
    const fetchRead =
      head.hasFetchFile && (await streamFetchFile(store, declaration.encoding, records, report));
    const read = manifests.filter((manifest): manifest is Manifest => manifest !== undefined);
    const payloadManifests = read.filter((manifest) => manifest.kind === 'payload');
    if (payloadManifests.length === 0)
      report.fail('The bag has no payload manifest (manifest-ALGORITHM.txt)', [
        REPORT_ORDER.noPayloadManifest,
      ]);

    const context: GroupContext = {
      manifests,
      fetchRead,
      duplicatesAllowed: compareVersion(declaration, 1, 0) < 0,
      everyManifest: compareVersion(declaration, 1, 0) >= 0,
      listed,
      report,
    };
    let unfetched = 0;
    const shown: { path: string; line: number }[] = [];
    let group: BagRecord[] = [];
    // Adds are safe to make without waiting for each (they keep their order), so a group is checked
    // without an await unless a spool or sorter is writing to disk: bags of many small files.
    const check = (): Promise<void> | undefined => {
      if (group.length === 0) return undefined;
      const result = checkGroup(group, context);
      group = [];
      let waits: Promise<void>[] | undefined;
      const keep = (wait: Promise<void> | undefined) => {
        if (wait) (waits ??= []).push(wait);
      };
      for (const entry of result.entries) keep(entries.add(entry));
      for (const file of result.pending) keep(pending.add(file));
      for (const entry of result.unfetched) {
        unfetched += 1;
        payload.files += 1;
        if (entry.length === undefined) payload.lengthsKnown = false;
        else payload.bytes += entry.length;
        shown.push({ path: entry.path, line: entry.line });
        if (shown.length > SHOWN_UNFETCHED) shown.sort((a, b) => a.line - b.line).pop();
      }
      if (result.names) keep(names.add({ fold: result.names.name.toLowerCase(), ...result.names }));
      return waits && Promise.all(waits).then(() => {});
    };
    for await (const batch of records.sortedBatches()) {
      for (const record of batch) {
        if (group.length > 0 && (group[0] as BagRecord)[1] !== record[1]) {
          const wait = check();
          if (wait) await wait;
        }
        group.push(record);
      }
    }
    await check();
    await pending.close();
    await entries.close();

    checkPayloadOxum(head.payloadOxum, head.infoFile, payload, report);
    await checkPendingFixity(store, pending.items(), options, report);

    const weak = weakManifestWarning(payloadManifests);
    if (weak) report.warn(weak, [REPORT_ORDER.warnings, 0]);
    await warnAboutLetterCase(names.sorted(), report);
    if (unfetched > 0) {
      const paths = shown.sort((a, b) => a.line - b.line).map((entry) => entry.path);
      report.warn(unfetchedWarning(unfetched, paths), [REPORT_ORDER.warnings, 4]);
    }
    kept = true;
    return report.finish(
      {
        declaration,
        infoFile: head.infoFile,
        info: head.info,
        payloadOxum: head.payloadOxum,
        manifests: payloadManifests,
        tagManifests: read.filter((manifest) => manifest.kind === 'tag'),
        fileCount,
        entries: () => entries.items(),
      },
      unfetched,
      () => entries.dispose(),
    );
  } finally {
    await Promise.all([records.dispose(), pending.dispose(), names.dispose()]);
    if (!kept) await entries.dispose();
  }
}

/** Normal forms that differ only in letter case, each group warned about once. */
async function warnAboutLetterCase(
  names: AsyncIterable<{ fold: string; name: string; order: number }>,
  report: VerificationReport,
): Promise<void> {
  let group: { fold: string; name: string; order: number }[] = [];
  const warn = () => {
    if (group.length > 1) {
      report.warn(letterCaseWarning(group.map((entry) => entry.name)), [
        REPORT_ORDER.warnings,
        2,
        Math.min(...group.map((entry) => entry.order)),
      ]);
    }
    group = [];
  };
  for await (const name of names) {
    if (group.length > 0 && group[0]?.fold !== name.fold) warn();
    group.push(name);
  }
  warn();
}

/** About the length of an entry's JSON, without writing it (the spool's run size). */
function entrySize(entry: BagEntry): number {
  let size = entry.path.length * 2 + 64;
  for (const hex of Object.values(entry.listed)) size += (hex?.length ?? 0) + 12;
  if (entry.present) for (const hex of Object.values(entry.present.digests)) size += (hex?.length ?? 0) + 12;
  if (entry.fetch) size += entry.fetch.url.length + entry.fetch.path.length + 48;
  return size;
}

function pendingSize(file: PendingHash): number {
  return file.path.length + 48 + file.expected.reduce((sum, [, hex]) => sum + hex.length + 16, 0);
}
