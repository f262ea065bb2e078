import { getStoredFile, repinStoredFile } from '../bags/bag-registry.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import { recordBagEvent } from '../preservation-events/bag-events.ts';
import { isCold, type StorageLocation } from '../storage/locations.ts';
import { checkCopy, checkMethod, type CopyCheck } from './copy-check.ts';
import { clearBadCopy, copyHealthKey, knownBadCopies, recordBadCopy } from './copy-health.ts';
import { type FixityFile, type FixityPlan, readFixityChunk, readPlan } from './fixity-plan.ts';
import { type Finding, putFindings, recordChunkChecked } from './fixity-runs.ts';
import { rewriteCopy } from './repair.ts';
import { batchChecksumsAvailable, type ChecksumRequest, putChecksumRequests } from './checksum-requests.ts';

export const FIXITY_AGENT = { type: 'service', id: 'Bagvault fixity workflow' } as const;

/** Files checked at once in one chunk (each in every location at once). */
const FILES_IN_FLIGHT = 8;

const hashType = (plan: FixityPlan) => (plan.algorithm === 'sha512' ? 'sha512' : 'sha256');

function findingOf(plan: FixityPlan, file: FixityFile, location: StorageLocation, check: CopyCheck): Finding {
  const base = { path: file.name, location: location.name };
  if (check.state === 'missing') return { kind: 'missing', ...base, message: check.message };
  if (check.state === 'changed') {
    return {
      kind: 'changed',
      ...base,
      expected: file.checksum,
      actual: check.actual,
      hash_type: hashType(plan),
      message: check.message,
    };
  }
  return { kind: 'notCheckable', ...base, message: (check as { message: string }).message };
}

/** A verified copy to repair from: one that can be read without a restore. */
export function repairSource(plan: FixityPlan, checks: CopyCheck[]): StorageLocation | undefined {
  return plan.locations.find(
    (location, index) => checks[index]?.state === 'ok' && !isCold(location.storageClass),
  );
}

async function repair(
  plan: FixityPlan,
  file: FixityFile,
  target: StorageLocation,
  source: StorageLocation,
  sha256: () => Promise<string | undefined>,
): Promise<NonNullable<Finding['repaired']> | string> {
  let rewritten: FixityFile;
  try {
    const { versionId } = await rewriteCopy(plan.runId, target, source, file, await sha256());
    if (versionId) await repinStoredFile(file.key, target.name, versionId);
    rewritten = versionId ? { ...file, versionIds: { ...file.versionIds, [target.name]: versionId } } : file;
  } catch (error) {
    return `could not be rewritten from ${source.name}: ${(error as Error).message}`;
  }
  const after = await checkCopy(target, rewritten, plan.algorithm, sha256);
  if (after.state !== 'ok') return `was rewritten from ${source.name} but still does not verify`;
  return {
    from: source.name,
    message: `${file.name} in ${target.name} rewritten from the verified copy in ${source.name} and verified by ${checkMethod(target)}`,
  };
}

/**
 * What becomes of one copy's check: nothing when it verified (clearing an old bad mark), otherwise a
 * finding, and a bad copy is repaired from `source` when there is one. Batch Operations results come
 * through here too (batch-checksums.ts).
 */
export async function settleCheck(
  plan: FixityPlan,
  file: FixityFile,
  location: StorageLocation,
  check: CopyCheck,
  source: StorageLocation | undefined,
  sha256Of: () => Promise<string | undefined>,
  knownBad: boolean,
): Promise<Finding | undefined> {
  if (check.state === 'ok') {
    // Repaired since (by an earlier run or an operator): downloads may use it again.
    if (knownBad) await clearBadCopy(file.key, location.name);
    return undefined;
  }
  const finding = findingOf(plan, file, location, check);
  if (check.state === 'not-checkable') return finding;
  await recordBadCopy(file.key, location.name, { runId: plan.runId, state: check.state });
  const outcome = source
    ? await repair(plan, file, location, source, sha256Of)
    : 'has no verified copy in another location that can be read without a restore to repair it from';
  if (typeof outcome === 'string') {
    // Recorded in the run's own event (Finish), which fails loudly.
    finding.message = `${finding.message}; not repaired: ${outcome}`;
    return finding;
  }
  finding.repaired = outcome;
  await clearBadCopy(file.key, location.name);
  await recordBagEvent(
    plan.space,
    plan.externalIdentifier,
    `repair:${plan.runId}:${location.name}:${file.name}`,
    {
      eventType: 'repair',
      version: plan.version,
      date: new Date().toISOString(),
      agent: FIXITY_AGENT,
      outcome: 'success',
      detail: `${outcome.message} (it was ${check.state})`,
      fixityId: plan.runId,
    },
  );
  return finding;
}

/** The file as the registry pins it now (a repair re-pins), and its SHA-256 for cold checks. */
export async function currentFile(planned: FixityFile) {
  const record = await getStoredFile(planned.key);
  // A copy an earlier repair rewrote is pinned by its record, not by the (immutable) manifest.
  const file = record?.versionIds
    ? { ...planned, versionIds: { ...planned.versionIds, ...record.versionIds } }
    : planned;
  // The manifest's algorithm may be SHA-512; S3's stored checksums (and our metadata) are SHA-256.
  const sha256Of = async () => record?.checksums.sha256;
  return { file, sha256Of };
}

async function checkFile(
  plan: FixityPlan,
  planned: FixityFile,
  knownBad: Set<string>,
  deferred: ChecksumRequest[],
): Promise<Finding[]> {
  const { file, sha256Of } = await currentFile(planned);
  const checks = await Promise.all(
    plan.locations.map((location) => checkCopy(location, file, plan.algorithm, sha256Of)),
  );
  const source = repairSource(plan, checks);
  const findings: Finding[] = [];
  for (const [index, location] of plan.locations.entries()) {
    const check = checks[index] as CopyCheck;
    const sha256 = await sha256Of();
    // A cold copy with no full-object SHA-256 recorded: S3 Batch Operations computes one later.
    if (check.state === 'not-checkable' && check.computable && sha256 && batchChecksumsAvailable()) {
      deferred.push({ location: location.name, file, sha256 });
      continue;
    }
    const finding = await settleCheck(
      plan,
      file,
      location,
      check,
      source,
      sha256Of,
      knownBad.has(copyHealthKey(file.key, location.name)),
    );
    if (finding) findings.push(finding);
  }
  return findings;
}

/**
 * Checks every file of one chunk in every location, repairs bad copies from a verified one, and
 * records what it found. Safe to retry: findings and the progress count are written idempotently.
 */
export async function checkChunk(runId: string, chunk: number): Promise<void> {
  const plan = await readPlan(runId);
  const files = await readFixityChunk(runId, chunk);
  const knownBad = await knownBadCopies(
    files.flatMap((file) =>
      plan.locations.map((location) => ({ fileId: file.key, location: location.name })),
    ),
  );
  const deferred: ChecksumRequest[] = [];
  const findings = (
    await mapConcurrently(files, FILES_IN_FLIGHT, (file) => checkFile(plan, file, knownBad, deferred))
  ).flat();
  await putFindings(runId, findings);
  await putChecksumRequests(runId, chunk, deferred);
  await recordChunkChecked(runId, chunk, files.length);
}
