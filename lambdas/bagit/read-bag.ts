import { isDigestAlgorithm } from '../archive/hashing/algorithms.ts';
import { parseBagInfo, parsePayloadOxum, type BagInfoField, type PayloadOxum } from './bag-info.ts';
import { compareVersion, parseDeclaration, type BagDeclaration } from './bagit-declaration.ts';
import { readAll, type BagStore } from './bag-store.ts';
import { manifestFileName, type Manifest } from './manifest.ts';
import { decodeTagFile } from './tag-encoding.ts';
import { REPORT_ORDER, type VerificationReport } from './verification-report.ts';

/** What the small tag files say: the declaration, bag-info and which manifests there are. */
export interface BagHead {
  declaration: BagDeclaration;
  infoFile: string | undefined;
  info: BagInfoField[];
  payloadOxum: PayloadOxum | undefined;
  /**
   * Every top-level manifest file, in name order (payload manifests sort before tag manifests); its
   * index is its place in the report. Undefined where the algorithm is not one we can check.
   */
  manifestFiles: (Manifest | undefined)[];
  hasFetchFile: boolean;
}

/**
 * Read bagit.txt and bag-info.txt, and find the manifests. Problems go to the report; the head is
 * undefined only when bagit.txt is missing or unusable, since without it the other files cannot even
 * be decoded. Manifests and fetch.txt are streamed later (bag-records.ts): they may be huge.
 */
export async function readBagHead(
  store: BagStore,
  tagNames: ReadonlySet<string>,
  report: VerificationReport,
): Promise<BagHead | undefined> {
  const order = [REPORT_ORDER.declaration];
  if (!tagNames.has('bagit.txt')) {
    report.fail('bagit.txt is missing, so this is not a bag', order);
    return undefined;
  }
  const parsed = parseDeclaration(await readAll(store, 'bagit.txt'));
  if (!parsed.ok) {
    for (const problem of parsed.problems) report.fail(problem, order);
    return undefined;
  }
  const declaration = parsed.declaration;
  const infoFile = compareVersion(declaration, 0, 96) < 0 ? 'package-info.txt' : 'bag-info.txt';
  const { info, payloadOxum } = tagNames.has(infoFile)
    ? await readInfo(store, declaration, infoFile, report)
    : { info: [], payloadOxum: undefined };
  const manifestFiles: (Manifest | undefined)[] = [];
  for (const path of [...tagNames].sort()) {
    const name = manifestFileName(path);
    if (!name) continue;
    if (!isDigestAlgorithm(name.algorithm)) {
      report.warn(`${path} uses an unsupported algorithm (${name.algorithm}) and was not checked`, [
        REPORT_ORDER.tagFiles,
        manifestFiles.length,
      ]);
      manifestFiles.push(undefined);
      continue;
    }
    manifestFiles.push({ file: path, kind: name.kind, algorithm: name.algorithm });
  }
  return {
    declaration,
    infoFile: tagNames.has(infoFile) ? infoFile : undefined,
    info,
    payloadOxum,
    manifestFiles,
    hasFetchFile: tagNames.has('fetch.txt'),
  };
}

async function readInfo(
  store: BagStore,
  declaration: BagDeclaration,
  infoFile: string,
  report: VerificationReport,
): Promise<{ info: BagInfoField[]; payloadOxum: PayloadOxum | undefined }> {
  const order = [REPORT_ORDER.declaration, 1];
  const decoded = decodeTagFile(await readAll(store, infoFile), declaration.encoding, infoFile);
  if (!decoded.ok) {
    report.fail(decoded.problem, order);
    return { info: [], payloadOxum: undefined };
  }
  for (const warning of decoded.warnings) report.warn(warning, order);
  const { fields, problems } = parseBagInfo(decoded.text, infoFile);
  for (const problem of problems) report.fail(problem, order);
  const oxum = parsePayloadOxum(fields, infoFile);
  for (const problem of oxum.problems) report.fail(problem, order);
  return { info: fields, payloadOxum: oxum.oxum };
}

/** Tag files the bag head is read from: found while listing, so no other file needs remembering. */
export function isTagFileName(path: string): boolean {
  return (
    !path.includes('/') &&
    (/^(bagit|bag-info|package-info|fetch)\.txt$/.test(path) || manifestFileName(path) !== undefined)
  );
}
