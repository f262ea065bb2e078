import { findingsOf, type FixityRun } from './fixity-runs.ts';

/** A report lists at most this many entries (a Lambda response is capped at 6 MB); counts stay exact. */
export const MAX_REPORT_ENTRIES = 10_000;

/**
 * `GET /fixity/{id}` (SPEC §5.6): the run's status and outcome, its progress while running, and what
 * it found per copy: missing / changed / untracked (and copies that cannot be checked without a
 * restore), with the copies it repaired and where from.
 */
export async function fixityReport(run: FixityRun) {
  const files = {
    missing: [] as object[],
    changed: [] as object[],
    untracked: [] as object[],
    notCheckable: [] as object[],
  };
  const repaired: object[] = [];
  const counts = { missing: 0, changed: 0, untracked: 0, notCheckable: 0, repaired: 0 };
  let listed = 0;
  let found = 0;
  for await (const finding of findingsOf(run.id)) {
    found++;
    counts[finding.kind]++;
    if (finding.repaired) counts.repaired++;
    if (listed >= MAX_REPORT_ENTRIES) continue;
    const { kind, repaired: fixed, ...entry } = finding;
    files[kind].push(entry);
    listed++;
    if (fixed) repaired.push({ path: finding.path, location: finding.location, ...fixed });
  }
  return {
    type: 'FixityCheck',
    id: run.id,
    bag: { id: `${run.space}/${run.externalIdentifier}`, space: { id: run.space }, version: run.version },
    status: run.status,
    success: run.success,
    message: run.message,
    timestamp: run.finishedDate ?? run.createdDate,
    createdDate: run.createdDate,
    ...(run.finishedDate ? { finishedDate: run.finishedDate } : {}),
    requestedBy: run.requestedBy,
    progress: { filesTotal: run.filesTotal, filesChecked: run.filesChecked, locations: run.locations },
    failures: { files },
    repaired,
    counts,
    ...(listed < found ? { truncated: true } : {}),
  };
}

/** A run as a bag's list of runs shows it: the outcome without the findings. */
export function fixitySummary(run: FixityRun) {
  return {
    type: 'FixityCheck',
    id: run.id,
    version: run.version,
    status: run.status,
    success: run.success,
    message: run.message,
    createdDate: run.createdDate,
    ...(run.finishedDate ? { finishedDate: run.finishedDate } : {}),
    requestedBy: run.requestedBy,
  };
}
