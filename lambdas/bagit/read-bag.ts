import { isDigestAlgorithm } from '../archive/hashing/algorithms.ts';
import type { Bag } from './bag.ts';
import { parseBagInfo, parsePayloadOxum, type BagInfoField, type PayloadOxum } from './bag-info.ts';
import { compareVersion, parseDeclaration, type BagDeclaration } from './bagit-declaration.ts';
import { readAll, type BagStore } from './bag-store.ts';
import { parseFetchFile, type FetchEntry } from './fetch-file.ts';
import { manifestFileName, parseManifest, type Manifest } from './manifest.ts';
import { decodeTagFile } from './tag-encoding.ts';
import type { VerificationReport } from './verification-report.ts';

/**
 * Read the tag files of a bag: bagit.txt, bag-info.txt, the manifests and fetch.txt. Problems go
 * to the report; the bag is undefined only when bagit.txt is missing or unusable, since without it
 * the other files cannot even be decoded.
 */
export async function readBag(
  store: BagStore,
  files: Map<string, number>,
  report: VerificationReport,
): Promise<Bag | undefined> {
  if (!files.has('bagit.txt')) {
    report.fail('bagit.txt is missing, so this is not a bag');
    return undefined;
  }
  const parsed = parseDeclaration(await readAll(store, 'bagit.txt'));
  if (!parsed.ok) {
    for (const problem of parsed.problems) report.fail(problem);
    return undefined;
  }
  const tags = new TagFileReader(store, parsed.declaration, report);
  const infoFile = compareVersion(parsed.declaration, 0, 96) < 0 ? 'package-info.txt' : 'bag-info.txt';
  const { info, payloadOxum } = files.has(infoFile)
    ? await readInfo(tags, infoFile, report)
    : { info: [], payloadOxum: undefined };
  const manifests: Manifest[] = [];
  const tagManifests: Manifest[] = [];
  for (const path of [...files.keys()].sort()) {
    const name = manifestFileName(path);
    if (!name) continue;
    if (!isDigestAlgorithm(name.algorithm)) {
      report.warn(`${path} uses an unsupported algorithm (${name.algorithm}) and was not checked`);
      continue;
    }
    const text = await tags.read(path);
    if (text === undefined) continue;
    const duplicatesAllowed = compareVersion(parsed.declaration, 1, 0) < 0;
    const manifest = parseManifest(text, path, name.kind, name.algorithm, duplicatesAllowed);
    for (const problem of manifest.problems) report.fail(problem);
    for (const warning of manifest.warnings) report.warn(warning);
    (name.kind === 'payload' ? manifests : tagManifests).push(manifest.manifest);
  }
  let fetch: FetchEntry[] = [];
  if (files.has('fetch.txt')) {
    const text = await tags.read('fetch.txt');
    if (text !== undefined) {
      const parsedFetch = parseFetchFile(text);
      for (const problem of parsedFetch.problems) report.fail(problem);
      fetch = parsedFetch.entries;
    }
  }
  return {
    declaration: parsed.declaration,
    infoFile: files.has(infoFile) ? infoFile : undefined,
    info,
    payloadOxum,
    manifests,
    tagManifests,
    fetch,
    files,
  };
}

async function readInfo(
  tags: TagFileReader,
  infoFile: string,
  report: VerificationReport,
): Promise<{ info: BagInfoField[]; payloadOxum: PayloadOxum | undefined }> {
  const text = await tags.read(infoFile);
  if (text === undefined) return { info: [], payloadOxum: undefined };
  const { fields, problems } = parseBagInfo(text, infoFile);
  for (const problem of problems) report.fail(problem);
  const oxum = parsePayloadOxum(fields, infoFile);
  for (const problem of oxum.problems) report.fail(problem);
  return { info: fields, payloadOxum: oxum.oxum };
}

/** Reads tag files as text in the bag's declared encoding. */
class TagFileReader {
  private readonly store: BagStore;
  private readonly declaration: BagDeclaration;
  private readonly report: VerificationReport;

  constructor(store: BagStore, declaration: BagDeclaration, report: VerificationReport) {
    this.store = store;
    this.declaration = declaration;
    this.report = report;
  }

  async read(path: string): Promise<string | undefined> {
    const decoded = decodeTagFile(await readAll(this.store, path), this.declaration.encoding, path);
    if (!decoded.ok) {
      this.report.fail(decoded.problem);
      return undefined;
    }
    for (const warning of decoded.warnings) this.report.warn(warning);
    return decoded.text;
  }
}
