import { config } from '../config.ts';
import { recordBagEvent } from '../preservation-events/bag-events.ts';
import { deletePrefix } from '../storage/s3-objects.ts';
import { FIXITY_AGENT } from './check-chunk.ts';
import { recordFixityOutcome } from './fixity-metrics.ts';
import { fixityWorkPrefix, readPlan } from './fixity-plan.ts';
import { finishRun, findingsOf, type FixityRun, getRun } from './fixity-runs.ts';
import { noteBagChecked } from './fixity-schedule.ts';

interface Tally {
  missing: number;
  changed: number;
  untracked: number;
  notCheckable: number;
  repaired: number;
  unrepaired: number;
}

async function tally(runId: string): Promise<Tally> {
  const counts: Tally = { missing: 0, changed: 0, untracked: 0, notCheckable: 0, repaired: 0, unrepaired: 0 };
  for await (const finding of findingsOf(runId)) {
    counts[finding.kind]++;
    if (finding.repaired) counts.repaired++;
    else counts.unrepaired++;
  }
  return counts;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const copies = (n: number) => `${n} ${n === 1 ? 'copy' : 'copies'}`;

function messageOf(counts: Tally, files: number, locations: number): string {
  const scope = `${plural(files, 'file')} in ${plural(locations, 'location')}`;
  if (counts.unrepaired === 0) {
    return counts.repaired === 0
      ? `Every copy verified: ${scope}`
      : `${copies(counts.repaired)} repaired from a verified copy; every copy verified: ${scope}`;
  }
  const parts = [
    counts.missing && `${counts.missing} missing`,
    counts.changed && `${counts.changed} changed`,
    counts.untracked && `${plural(counts.untracked, 'untracked object')}`,
    counts.notCheckable && `${counts.notCheckable} not checkable without a restore`,
  ].filter(Boolean);
  return `Fixity check failed - ${plural(counts.unrepaired, 'problem')} left unrepaired (${parts.join(', ')}; ${counts.repaired} repaired) in ${scope}`;
}

async function afterRun(run: FixityRun, unrepaired: number, first: boolean) {
  const finished = (await getRun(run.id)) ?? run;
  await recordBagEvent(run.space, run.externalIdentifier, `fixity:${run.id}`, {
    eventType: 'fixity check',
    version: run.version,
    date: finished.finishedDate ?? new Date().toISOString(),
    agent: run.requestedBy.type === 'user' ? run.requestedBy : FIXITY_AGENT,
    outcome: finished.success ? 'success' : 'failure',
    detail: finished.message,
    fixityId: run.id,
  });
  if (first) recordFixityOutcome(unrepaired);
  await noteBagChecked(run.space, run.externalIdentifier, run.createdDate);
  await deletePrefix(config().unpackBucket, fixityWorkPrefix(run.id));
}

/** Ends a run from its findings: success only when every copy verifies after repair. */
export async function finishFixity(runId: string): Promise<void> {
  const run = await getRun(runId);
  if (!run) throw new Error(`No fixity run ${runId}`);
  const plan = await readPlan(runId);
  const counts = await tally(runId);
  const first = await finishRun(runId, {
    status: 'finished',
    success: counts.unrepaired === 0,
    message: messageOf(counts, plan.files, plan.locations.length),
    finishedDate: new Date().toISOString(),
  });
  await afterRun(run, counts.unrepaired, first);
}

/** Ends a run the workflow could not complete: it fails loudly, with the reason. */
export async function failFixity(runId: string, reason: string): Promise<void> {
  const run = await getRun(runId);
  if (!run) throw new Error(`No fixity run ${runId}`);
  const first = await finishRun(runId, {
    status: 'failed',
    success: false,
    message: `Fixity check failed - ${reason}`,
    finishedDate: new Date().toISOString(),
  });
  await afterRun(run, 1, first);
}
