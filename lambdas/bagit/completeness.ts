import type { DigestAlgorithm } from '../archive/hashing/algorithms.ts';
import type { Bag } from './bag.ts';
import { compareVersion } from './bagit-declaration.ts';
import type { FetchEntry } from './fetch-file.ts';
import { isPayloadPath } from './manifest-path.ts';
import type { VerificationReport } from './verification-report.ts';

/** The checksums a present file must match: algorithm → expected hex digest. */
export type ExpectedDigests = Map<DigestAlgorithm, string>;

export interface Completeness {
  /** Present file → what its manifests say about it. */
  expected: Map<string, ExpectedDigests>;
  /** fetch.txt entries whose files are not in the bag. */
  unfetched: FetchEntry[];
}

/**
 * Match manifests against the files present (RFC 8493 §3): every manifest entry present (or, for
 * payload, to be fetched), and every payload file listed in every payload manifest (in at least
 * one, before BagIt 1.0). Produces the checksums to verify.
 */
export function checkCompleteness(bag: Bag, report: VerificationReport): Completeness {
  const expected = new Map<string, ExpectedDigests>();
  const names = new StoredNames(bag.files, report);
  const fetched = new Map(bag.fetch.map((entry) => [entry.path, entry]));
  const listedBy = new Map<string, Set<string>>();

  for (const manifest of [...bag.manifests, ...bag.tagManifests]) {
    for (const [listed, digest] of manifest.entries) {
      const path = names.resolve(listed, manifest.file);
      if (path === undefined) {
        if (!(manifest.kind === 'payload' && fetched.has(listed))) report.failFile(listed, 'missing');
        continue;
      }
      let digests = expected.get(path);
      if (!digests) expected.set(path, (digests = new Map()));
      digests.set(manifest.algorithm, digest);
      if (manifest.kind === 'payload') {
        let manifests = listedBy.get(path);
        if (!manifests) listedBy.set(path, (manifests = new Set()));
        manifests.add(manifest.file);
      }
    }
  }

  if (bag.manifests.length > 0) {
    const everyManifest = compareVersion(bag.declaration, 1, 0) >= 0;
    for (const path of bag.files.keys()) {
      if (!isPayloadPath(path)) continue;
      const listing = listedBy.get(path);
      const missingFrom = bag.manifests.filter((manifest) => !listing?.has(manifest.file));
      if (missingFrom.length === bag.manifests.length) {
        report.failFile(
          path,
          bag.manifests.length === 1 ? `not in ${bag.manifests[0].file}` : 'not in any manifest',
        );
      } else if (everyManifest && missingFrom.length > 0) {
        report.failFile(path, `not in ${missingFrom.map((manifest) => manifest.file).join(' or ')}`);
      }
    }
  }

  const unfetched = bag.fetch.filter((entry) => !bag.files.has(entry.path));
  return { expected, unfetched };
}

/**
 * Resolves a listed path to a stored file. An exact match wins; failing that, a single file whose
 * name differs only in Unicode normalisation (macOS file systems rewrite names to NFD) is accepted
 * with a warning, as bagit-python does.
 */
class StoredNames {
  private readonly files: Map<string, number>;
  private readonly report: VerificationReport;
  private byNormalForm: Map<string, string[]> | undefined;

  constructor(files: Map<string, number>, report: VerificationReport) {
    this.files = files;
    this.report = report;
  }

  resolve(listed: string, manifestFile: string): string | undefined {
    if (this.files.has(listed)) return listed;
    const candidates = this.normalForms().get(listed.normalize('NFC')) ?? [];
    if (candidates.length !== 1) return undefined;
    this.report.warn(
      `${manifestFile} lists ${listed}, stored under a name that differs only in Unicode normalisation`,
    );
    return candidates[0];
  }

  private normalForms(): Map<string, string[]> {
    if (!this.byNormalForm) {
      this.byNormalForm = new Map();
      for (const path of this.files.keys()) {
        const key = path.normalize('NFC');
        this.byNormalForm.set(key, [...(this.byNormalForm.get(key) ?? []), path]);
      }
    }
    return this.byNormalForm;
  }
}
