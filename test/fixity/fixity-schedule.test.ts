import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun } from '../../lambdas/fixity/fixity-runs.ts';
import { noteBagChecked } from '../../lambdas/fixity/fixity-schedule.ts';
import { backfillSchedule } from '../../lambdas/fixity/schedule-backfill.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { storeBag } from '../support/stored-bag.ts';
import { waitForFixity } from './fixity-fixture.ts';

/** A short interval, one run at a time, and a sweep every 300 ms (the local stack's timer). */
let stack: TestStack;
beforeAll(async () => {
  process.env.BAGVAULT_FIXITY_SWEEP_SECONDS = '0.3';
  stack = await startTestStack({
    settings: { fixityIntervalSeconds: '3600', fixityMaxConcurrentRuns: '1' },
  });
  // The walk over bags stored before fixity existed, done now while there are none: bags this file
  // stores are listed by the test itself (schedule-pacing.test.ts shows the backfill).
  await backfillSchedule();
});
afterAll(() => stack?.destroy());

interface RunSummary {
  id: string;
  createdDate: string;
  requestedBy: { type: string; id: string };
}

async function runsOf(name: string): Promise<RunSummary[]> {
  const response = await stack.api(`/bags/digitised/${name}/fixity`);
  return ((await response.json()) as { results: RunSummary[] }).results;
}

describe('the fixity schedule', () => {
  it('checks the bags whose last check is oldest first, one run at a time, and leaves recently checked bags alone', async () => {
    const lastChecked = {
      recent: new Date().toISOString(),
      middle: '2026-01-03T00:00:00.000Z',
      oldest: '2025-06-01T00:00:00.000Z',
      older: '2025-09-01T00:00:00.000Z',
    };
    for (const name of Object.keys(lastChecked)) {
      await storeBag({
        externalIdentifier: name,
        files: [{ path: 'data/a.txt', content: name }],
        replicated: true,
      });
    }
    // Listed oldest first: a sweep (every 300 ms) between two of these still finds the oldest listed.
    const byDate = Object.entries(lastChecked).sort(([, a], [, b]) => a.localeCompare(b));
    for (const [name, date] of byDate) await noteBagChecked('digitised', name, date);
    // Three runs one after another: slow when the machine is shared.
    const deadline = Date.now() + 80_000;
    let started: [string, RunSummary][] = [];
    while (Date.now() < deadline) {
      started = [];
      for (const name of Object.keys(lastChecked)) {
        for (const run of await runsOf(name)) started.push([name, run]);
      }
      if (started.length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    started.sort(([, a], [, b]) => a.createdDate.localeCompare(b.createdDate));
    expect(started.map(([name]) => name)).toEqual(['oldest', 'older', 'middle']);
    for (const [, run] of started) {
      expect(run.requestedBy).toEqual({ type: 'service', id: 'Bagvault fixity schedule' });
      expect(await waitForFixity(stack, run.id)).toMatchObject({ success: true });
    }
    // The cap: no two scheduled runs overlapped.
    const reports = await Promise.all(started.map(([, run]) => waitForFixity(stack, run.id)));
    for (let index = 1; index < reports.length; index++) {
      const previous = reports[index - 1] as { finishedDate?: string };
      expect(previous.finishedDate! <= started[index]![1].createdDate).toBe(true);
    }
    expect(await runsOf('recent')).toEqual([]);
  }, 120_000);

  it('ends a run whose workflow died outside its Catch, so it neither stays running nor holds a place under the cap', async () => {
    await storeBag({
      externalIdentifier: 'orphaned',
      files: [{ path: 'data/a.txt', content: 'a' }],
      replicated: true,
    });
    const id = crypto.randomUUID();
    await createRun({
      id,
      space: 'digitised',
      externalIdentifier: 'orphaned',
      version: 'v1',
      status: 'running',
      success: null,
      message: 'Fixity check in progress',
      // Older than the grace a run has to get its execution started; no execution was ever started.
      createdDate: new Date(Date.now() - 10 * 60_000).toISOString(),
      requestedBy: { type: 'user', id: 'admin' },
      filesTotal: 1,
      filesChecked: 0,
      locations: [],
    });
    const report = await waitForFixity(stack, id, 10_000);
    expect(report).toMatchObject({ status: 'failed', success: false });
    expect(report.message).toMatch(/^Fixity check failed - its workflow no longer exists/);
    const events = await stack.api('/bags/digitised/orphaned/events');
    expect(((await events.json()) as { results: unknown[] }).results).toMatchObject([
      { eventType: 'fixity check', outcome: 'failure', fixityId: id },
    ]);
  });
});
