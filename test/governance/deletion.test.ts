/** SPEC §5.6 deletion over HTTP against the local stack: two people, every version gone, a tombstone. */
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dynamo, s3, stepFunctions } from '../../lambdas/aws-clients.ts';
import {
  executionName,
  MAX_REDRIVE_RESTARTS,
  redriveDeletion,
  redriveUnfinishedDeletions,
} from '../../lambdas/deletion/deletion-execution.ts';
import {
  DELETION_GAVE_UP_METRIC,
  DELETION_RESTARTED_METRIC,
  DELETION_START_FAILED_METRIC,
} from '../../lambdas/deletion/deletion-metrics.ts';
import { finishDeletion } from '../../lambdas/deletion/deletion-workflow.ts';
import { config } from '../../lambdas/config.ts';
import { metrics } from '../../lambdas/observability.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive, ingestRequest, uploadArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';
import { storeBag } from '../support/stored-bag.ts';
import { bagvault, cliEnvironment } from '../cli/run-bagvault.ts';

let stack: TestStack;
/** A asks (and holds delete-approve too, so only the two-person rule can stop them); B approves. */
let requester: string;
let approver: string;

interface SpaceView {
  used: number;
  bagCount: number;
}

const archiveOf = (externalIdentifier: string, payload: Record<string, string>) =>
  bagToTarGz(identifiedBag(externalIdentifier, payload));

async function ingest(
  externalIdentifier: string,
  payload: Record<string, string>,
  ingestType: 'create' | 'update' = 'create',
) {
  return ingestArchive(
    stack,
    { space: 'digitised', externalIdentifier, ingestType },
    await archiveOf(externalIdentifier, payload),
  );
}

async function issueKey(user: string, roles: string[], spaces = ['digitised']): Promise<string> {
  const response = await stack.api('/keys', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, spaces, roles }),
  });
  return ((await response.json()) as { key: string }).key;
}

const post = (path: string, key: string, body?: unknown) =>
  stack.api(path, {
    method: 'POST',
    key,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const space = async () => (await (await stack.api('/spaces/digitised')).json()) as SpaceView;

async function keysIn(bucket: string, prefix: string): Promise<string[]> {
  const { Contents } = await localS3(stack).send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
  );
  return (Contents ?? []).map((object) => object.Key as string);
}

async function storedKeys(bucket: string, externalIdentifier: string): Promise<string[]> {
  return [
    ...(await keysIn(bucket, `digitised/${externalIdentifier}/v`)),
    ...(await keysIn(bucket, `.manifests/digitised/${externalIdentifier}/v`)),
  ];
}

async function waitForStatus(path: string, status: number): Promise<Response> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await stack.api(path);
    if (response.status === status) return response;
    if (Date.now() > deadline)
      throw new Error(`${path} still answers ${response.status}: ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** While set, the deletion workflow's finish step fails every attempt (its retries run out fast). */
let finishFails = false;

beforeAll(async () => {
  // The tests below drive the re-drive themselves; the local timer only runs at start.
  process.env.BAGVAULT_DELETION_REDRIVE_SECONDS = '3600';
  stack = await startTestStack({
    taskHooks: {
      beforeTask: (state) => {
        if (finishFails && state === 'FinishDeletion')
          throw Object.assign(new Error('injected: DynamoDB unreachable'), { name: 'InternalError' });
      },
      retryIntervalOverrides: { FinishDeletion: 5 },
    },
  });
  requester = await issueKey('alice', ['read', 'ingest', 'delete-request', 'delete-approve']);
  approver = await issueKey('bob', ['read', 'delete-approve']);
});
afterAll(async () => {
  await stack?.destroy();
});

describe('two-person deletion', () => {
  it('deletes every version in every location after a second person approves, leaving a tombstone', async () => {
    const before = await space();
    expect(
      (
        await ingest('doomed', {
          'data/a.txt': 'first version\n',
          'data/b.txt': 'stays in v2 by reference\n',
        })
      ).status.id,
    ).toBe('succeeded');
    expect(
      (
        await ingest(
          'doomed',
          { 'data/a.txt': 'second version, longer\n', 'data/b.txt': 'stays in v2 by reference\n' },
          'update',
        )
      ).status.id,
    ).toBe('succeeded');
    // A neighbour whose keys start with the doomed bag's prefix must survive it.
    expect((await ingest('doomed/inner', { 'data/n.txt': 'neighbour\n' })).status.id).toBe('succeeded');
    const stored = await space();
    expect(stored.bagCount).toBe(before.bagCount + 2);
    const neighbourBefore = await keysIn(stack.buckets.primary, 'digitised/doomed/inner/');
    expect(await storedKeys(stack.buckets.replica, 'doomed')).not.toHaveLength(0);

    const created = await post('/bags/digitised/doomed/deletion-requests', requester, {
      reason: 'Deposited in error',
    });
    expect(created.status).toBe(202);
    const { id, message } = (await created.json()) as { id: string; message: string };
    expect(message).toBe('Delete request created successfully.');
    expect(created.headers.get('location')).toBe(`${stack.apiUrl}/deletion-requests/${id}`);

    const duplicate = await post('/bags/digitised/doomed/deletion-requests', requester, { reason: 'Again' });
    expect(duplicate.status).toBe(200);
    expect(await duplicate.json()).toEqual({ message: 'A deletion request already exists for this bag.' });

    const refusedUpdate = await ingest('doomed', { 'data/a.txt': 'third\n' }, 'update');
    expect(refusedUpdate.status.id).toBe('failed');
    expect(refusedUpdate.events.map((event) => event.description).join('\n')).toMatch(
      /deletion request .* is open for this bag/,
    );

    const selfApproval = await post(`/deletion-requests/${id}/approve`, requester);
    expect(selfApproval.status).toBe(403);
    expect(((await selfApproval.json()) as { description: string }).description).toMatch(
      /someone other than its requester: alice/,
    );
    expect((await stack.api('/bags/digitised/doomed')).status).toBe(200);

    const approval = await post(`/deletion-requests/${id}/approve`, approver);
    expect(approval.status).toBe(202);
    expect(await approval.json()).toEqual({ id, status: 'approved' });

    const gone = await waitForStatus('/bags/digitised/doomed', 410);
    const body = (await gone.json()) as {
      httpStatus: number;
      description: string;
      tombstone: Record<string, unknown>;
    };
    expect(body.httpStatus).toBe(410);
    expect(body.tombstone).toMatchObject({
      type: 'Tombstone',
      id: 'digitised/doomed',
      deletionRequestId: id,
      reason: 'Deposited in error',
      requestedBy: 'alice',
      approvedBy: 'bob',
      versions: ['v1', 'v2'],
      files: expect.any(Number),
      bytes: expect.any(Number),
    });
    const manifests = body.tombstone.manifests as { version: string; sha256: string }[];
    expect(manifests.map((manifest) => manifest.version)).toEqual(['v1', 'v2']);
    for (const manifest of manifests) expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);

    expect(await storedKeys(stack.buckets.primary, 'doomed')).toEqual([]);
    expect(await storedKeys(stack.buckets.replica, 'doomed')).toEqual([]);
    expect(await keysIn(stack.buckets.primary, 'digitised/doomed/inner/')).toEqual(neighbourBefore);
    expect((await stack.api('/bags/digitised/doomed/inner')).status).toBe(200);

    const after = await space();
    expect(after.used).toBe(stored.used - (body.tombstone.bytes as number));
    expect(after.bagCount).toBe(stored.bagCount - 1);
    // Exactly what the two versions of the bag added, no more.
    const neighbourBytes = (await (await stack.api('/bags/digitised/doomed/inner')).json()) as {
      manifest: { files: { size: number }[] };
      tagManifest: { files: { size: number }[] };
    };
    const innerBytes = [...neighbourBytes.manifest.files, ...neighbourBytes.tagManifest.files].reduce(
      (sum, f) => sum + f.size,
      0,
    );
    expect(after.used).toBe(before.used + innerBytes);
    expect(body.tombstone.bytes).toBe(stored.used - before.used - innerBytes);

    expect((await stack.api('/bags/digitised/doomed/files/data/a.txt?version=v1')).status).toBe(410);
    expect((await stack.api('/bags/digitised/doomed/versions')).status).toBe(410);
    const cart = await stack.api(`/carts/${crypto.randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        fileids: [{ id: 'digitised/doomed/v1/data/a.txt', path: 'a.txt', hashtype: 'md5', hashsum: '' }],
      }),
    });
    expect(cart.status).toBe(410);

    const request = (await (await stack.api(`/deletion-requests/${id}`)).json()) as Record<string, unknown>;
    expect(request).toMatchObject({
      status: 'approved',
      requestedBy: 'alice',
      decidedBy: 'bob',
      completedDate: expect.any(String),
    });
    const approved = (await (await stack.api('/deletion-requests?status=approved')).json()) as {
      results: { id: string }[];
    };
    expect(approved.results.map((result) => result.id)).toContain(id);

    const { Items } = await dynamo().send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': 'BAG#digitised#doomed', ':events': 'EVENT#' },
      }),
    );
    // The bag's one preservation history keeps its two ingestions and the deletion after the bag is gone.
    expect((Items ?? []).map((event) => [event.eventType, event.agent.id])).toEqual([
      ['ingestion', 'Bagvault ingest workflow'],
      ['ingestion', 'Bagvault ingest workflow'],
      ['deletion request', 'alice'],
      ['deletion approval', 'bob'],
      ['deletion', 'deletion workflow'],
    ]);

    const again = await post('/bags/digitised/doomed/deletion-requests', requester, { reason: 'twice' });
    expect(again.status).toBe(410);

    // The identifier keeps its tombstone: a new bag under it is refused when the ingest is asked for.
    await uploadArchive(
      stack,
      'digitised/doomed-again.tar.gz',
      await archiveOf('doomed', { 'data/a.txt': 'new\n' }),
    );
    for (const ingestType of ['create', 'update'] as const) {
      const reingest = await stack.api('/ingests', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          ingestRequest({
            space: 'digitised',
            externalIdentifier: 'doomed',
            ingestType,
            path: 'digitised/doomed-again.tar.gz',
            bucket: stack.buckets.uploads,
          }),
        ),
      });
      expect(reingest.status).toBe(409);
      expect(((await reingest.json()) as { description: string }).description).toMatch(
        new RegExp(
          `^Bag digitised/doomed was deleted on .* \\(deletion request ${id}\\); its identifier keeps its tombstone and cannot be ingested again`,
        ),
      );
    }
    expect(await storedKeys(stack.buckets.primary, 'doomed')).toEqual([]);
  });

  it('leaves the bag intact when the request is rejected, and lets a new request be made', async () => {
    expect((await ingest('kept', { 'data/k.txt': 'keep me\n' })).status.id).toBe('succeeded');
    const keys = await storedKeys(stack.buckets.primary, 'kept');
    const { id } = (await (
      await post('/bags/digitised/kept/deletion-requests', requester, { reason: 'Not sure' })
    ).json()) as { id: string };

    expect((await post(`/deletion-requests/${id}/reject`, requester)).status).toBe(403);
    const rejection = await post(`/deletion-requests/${id}/reject`, approver);
    expect(rejection.status).toBe(202);
    expect(await rejection.json()).toEqual({ id, status: 'rejected' });
    expect((await post(`/deletion-requests/${id}/approve`, approver)).status).toBe(409);

    expect((await stack.api('/bags/digitised/kept')).status).toBe(200);
    expect(await storedKeys(stack.buckets.primary, 'kept')).toEqual(keys);
    const rejected = (await (await stack.api('/deletion-requests?status=rejected')).json()) as {
      results: { id: string }[];
    };
    expect(rejected.results.map((result) => result.id)).toContain(id);
    // Two at once: exactly one is created, the other is told a request exists.
    const both = await Promise.all(
      ['Now sure', 'Me too'].map((reason) =>
        post('/bags/digitised/kept/deletion-requests', requester, { reason }),
      ),
    );
    expect(both.map((response) => response.status).sort()).toEqual([200, 202]);
  });

  it('refuses requests without the role, for unknown bags, and without a reason', async () => {
    expect((await post('/bags/digitised/kept/deletion-requests', approver, { reason: 'x' })).status).toBe(
      403,
    );
    expect(
      (await post('/bags/digitised/no-such-bag/deletion-requests', requester, { reason: 'x' })).status,
    ).toBe(404);
    expect((await post('/bags/born-digital/kept/deletion-requests', requester, { reason: 'x' })).status).toBe(
      404,
    );
    expect((await post('/bags/digitised/kept/deletion-requests', requester, {})).status).toBe(400);
    expect(
      (await post('/bags/digitised/kept/deletion-requests', requester, { reason: 'x', force: true })).status,
    ).toBe(400);
    expect((await stack.api('/deletion-requests?status=pending')).status).toBe(400);
    expect((await stack.api('/deletion-requests/not-a-request')).status).toBe(404);
  });

  it('needs read as well as the deletion roles, and hides requests of spaces the key cannot read', async () => {
    expect((await ingest('guarded', { 'data/g.txt': 'guarded\n' })).status.id).toBe('succeeded');
    const { id: requestId } = (await (
      await post('/bags/digitised/guarded/deletion-requests', requester, { reason: 'Roles' })
    ).json()) as { id: string };

    // A deletion role without read: refused for the missing role (403), before any lookup.
    const askerWithoutRead = await issueKey('carol', ['delete-request']);
    const denied = await post('/bags/digitised/guarded/deletion-requests', askerWithoutRead, { reason: 'x' });
    expect(denied.status).toBe(403);
    const approverWithoutRead = await issueKey('dave', ['delete-approve']);
    const refused = await post(`/deletion-requests/${requestId}/approve`, approverWithoutRead);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { description: string }).description).toMatch(/read role/);
    expect((await post(`/deletion-requests/${requestId}/reject`, approverWithoutRead)).status).toBe(403);

    // Every role, but another space: the bag and its request do not exist for this key (404, no leak).
    const elsewhere = await issueKey('erin', ['read', 'delete-request', 'delete-approve'], ['born-digital']);
    const hidden = await post('/bags/digitised/guarded/deletion-requests', elsewhere, { reason: 'x' });
    const missing = await post('/bags/digitised/no-such-bag/deletion-requests', elsewhere, { reason: 'x' });
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(((await hidden.json()) as { description: string }).description).toBe(
      ((await missing.json()) as { description: string }).description.replace('no-such-bag', 'guarded'),
    );
    expect((await post(`/deletion-requests/${requestId}/approve`, elsewhere)).status).toBe(404);
    expect((await stack.api(`/deletion-requests/${requestId}`, { key: elsewhere })).status).toBe(404);
    const listed = (await (await stack.api('/deletion-requests?status=open', { key: elsewhere })).json()) as {
      results: unknown[];
    };
    expect(listed.results).toEqual([]);
    expect((await stack.api('/bags/digitised/guarded')).status).toBe(200);
  });
});

describe('a deletion that fails midway', () => {
  it('answers 409 while it cannot finish, is retried to completion, and takes the bytes off the space once', async () => {
    expect((await ingest('flaky', { 'data/f.txt': 'replica will refuse at first\n' })).status.id).toBe(
      'succeeded',
    );
    const stored = await space();
    // The workflow's tasks run in this process: the replica's deletes fail until released.
    const client = s3();
    const send = client.send.bind(client);
    let refusals = 0;
    let release = false;
    client.send = ((command: unknown, ...rest: unknown[]) => {
      if (
        !release &&
        command instanceof DeleteObjectsCommand &&
        command.input.Bucket === stack.buckets.replica
      ) {
        refusals += 1;
        return Promise.reject(
          Object.assign(new Error('We encountered an internal error'), { name: 'InternalError' }),
        );
      }
      return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as typeof client.send;
    try {
      const { id } = (await (
        await post('/bags/digitised/flaky/deletion-requests', requester, { reason: 'Test the retries' })
      ).json()) as { id: string };
      expect((await post(`/deletion-requests/${id}/approve`, approver)).status).toBe(202);
      const deadline = Date.now() + 20_000;
      while (refusals < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(refusals).toBeGreaterThanOrEqual(2);
      expect((await stack.api('/bags/digitised/flaky')).status).toBe(409);
      expect((await stack.api('/bags/digitised/flaky/files/data/f.txt')).status).toBe(409);
      release = true;

      const gone = (await (await waitForStatus('/bags/digitised/flaky', 410)).json()) as {
        tombstone: { bytes: number };
      };
      expect(await storedKeys(stack.buckets.replica, 'flaky')).toEqual([]);
      expect(await storedKeys(stack.buckets.primary, 'flaky')).toEqual([]);
      const after = await space();
      expect(after.used).toBe(stored.used - gone.tombstone.bytes);
      expect(after.bagCount).toBe(stored.bagCount - 1);

      // A finish step run again (as after a lost response) changes nothing.
      await finishDeletion({ requestId: id });
      expect(await space()).toMatchObject({ used: after.used, bagCount: after.bagCount });
    } finally {
      client.send = send as typeof client.send;
    }
  });
});

/** The deletion workflow's executions as the local Step Functions holds them, by name. */
function executionStatus(name: string): string | undefined {
  for (const execution of stack.stepFunctions.executions.values())
    if (execution.name === name) return execution.status;
  return undefined;
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Until `restore()`, Step Functions refuses every StartExecution of the deletion workflow, throttled. */
function refuseDeletionStarts() {
  const client = stepFunctions();
  const send = client.send.bind(client);
  const calls = { refused: 0 };
  client.send = ((command: unknown, ...rest: unknown[]) => {
    if (command instanceof StartExecutionCommand && command.input.stateMachineArn?.endsWith('deletion')) {
      calls.refused += 1;
      return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    }
    return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
  }) as typeof client.send;
  return { calls, restore: () => (client.send = send as typeof client.send) };
}

describe('an approved deletion whose workflow did not run to its end', () => {
  /** Requests and approves the deletion of a fresh bag while StartExecution of deletions fails. */
  async function approveWhileStartsFail(externalIdentifier: string): Promise<string> {
    expect((await ingest(externalIdentifier, { 'data/u.txt': 'never started\n' })).status.id).toBe(
      'succeeded',
    );
    const refusal = refuseDeletionStarts();
    try {
      const { id } = (await (
        await post(`/bags/digitised/${externalIdentifier}/deletion-requests`, requester, {
          reason: 'Start fails',
        })
      ).json()) as { id: string };
      // The approval is recorded (two people decided) even though its workflow could not start.
      expect((await post(`/deletion-requests/${id}/approve`, approver)).status).toBe(202);
      expect(refusal.calls.refused).toBeGreaterThanOrEqual(1);
      return id;
    } finally {
      refusal.restore();
    }
  }

  it('is started by the re-drive sweep when StartExecution failed after the approval was recorded', async () => {
    const id = await approveWhileStartsFail('unstarted-swept');
    expect(executionStatus(id)).toBeUndefined();
    expect((await stack.api('/bags/digitised/unstarted-swept')).status).toBe(409);
    expect((await redriveUnfinishedDeletions())[id]).toBe('started');
    await waitForStatus('/bags/digitised/unstarted-swept', 410);
    expect(await storedKeys(stack.buckets.replica, 'unstarted-swept')).toEqual([]);
  });

  it('is started by approving again when StartExecution failed after the approval was recorded', async () => {
    const id = await approveWhileStartsFail('unstarted');
    expect(executionStatus(id)).toBeUndefined();
    expect((await stack.api('/bags/digitised/unstarted')).status).toBe(409);

    // Still the second person's call: the requester cannot push it on, the approver can.
    expect((await post(`/deletion-requests/${id}/approve`, requester)).status).toBe(403);
    const again = await post(`/deletion-requests/${id}/approve`, approver);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ id, status: 'approved' });
    await waitForStatus('/bags/digitised/unstarted', 410);
    expect(await storedKeys(stack.buckets.primary, 'unstarted')).toEqual([]);
    expect(await storedKeys(stack.buckets.replica, 'unstarted')).toEqual([]);
    // Done: approving a finished deletion again changes nothing.
    expect((await post(`/deletion-requests/${id}/approve`, approver)).status).toBe(409);
  });

  it('is restarted by the re-drive sweep when its execution failed after every retry, and completes once', async () => {
    expect((await ingest('exhausted', { 'data/e.txt': 'finish keeps failing\n' })).status.id).toBe(
      'succeeded',
    );
    const stored = await space();
    finishFails = true;
    let id: string;
    try {
      ({ id } = (await (
        await post('/bags/digitised/exhausted/deletion-requests', requester, { reason: 'Retries run out' })
      ).json()) as { id: string });
      expect((await post(`/deletion-requests/${id}/approve`, approver)).status).toBe(202);
      await until(() => executionStatus(id) === 'FAILED', 'the first execution to fail');
      // Half deleted (objects gone, index and tombstone not written): never looks stored.
      expect(await storedKeys(stack.buckets.primary, 'exhausted')).toEqual([]);
      expect((await stack.api('/bags/digitised/exhausted')).status).toBe(409);
      expect((await stack.api('/bags/digitised/exhausted/files/data/e.txt')).status).toBe(409);
    } finally {
      finishFails = false;
    }

    const outcomes = await redriveUnfinishedDeletions();
    expect(outcomes[id]).toBe('restarted');
    const body = (await (await waitForStatus('/bags/digitised/exhausted', 410)).json()) as {
      tombstone: { bytes: number; deletionRequestId: string };
    };
    expect(body.tombstone.deletionRequestId).toBe(id);
    const { workflowAttempt } = (await (await stack.api(`/deletion-requests/${id}`)).json()) as {
      workflowAttempt: number;
    };
    expect(workflowAttempt).toBe(2);
    // The tombstone (410) is written before the run's last state ends: wait for the run itself.
    await until(() => executionStatus(executionName(id, 2)) !== 'RUNNING', 'the second run to end');
    expect(executionStatus(executionName(id, 2))).toBe('SUCCEEDED');
    const after = await space();
    expect(after.used).toBe(stored.used - body.tombstone.bytes);
    expect(after.bagCount).toBe(stored.bagCount - 1);
    // Finished deletions are left alone by later sweeps.
    expect((await redriveUnfinishedDeletions())[id]).toBeUndefined();
  });
});

describe('a deletion whose workflow keeps failing', () => {
  it('is restarted at most MAX_REDRIVE_RESTARTS times, then waits for an operator, alarmed, with the bag left as it is', async () => {
    expect((await ingest('stubborn', { 'data/s.txt': 'a policy refuses\n' })).status.id).toBe('succeeded');
    const counted = vi.spyOn(metrics, 'addMetric');
    const countOf = (name: string) => counted.mock.calls.filter(([metric]) => metric === name).length;
    finishFails = true;
    try {
      const { id } = (await (
        await post('/bags/digitised/stubborn/deletion-requests', requester, { reason: 'Always fails' })
      ).json()) as { id: string };
      expect((await post(`/deletion-requests/${id}/approve`, approver)).status).toBe(202);
      for (let attempt = 1; attempt <= MAX_REDRIVE_RESTARTS + 1; attempt++) {
        await until(() => executionStatus(executionName(id, attempt)) === 'FAILED', `run ${attempt} to fail`);
        // Two sweeps at once: one counts the restart (or the give-up), the other loses the race.
        const outcomes = await Promise.all([redriveDeletion(id), redriveDeletion(id)]);
        const expected = attempt <= MAX_REDRIVE_RESTARTS ? 'restarted' : 'needs-operator';
        expect(outcomes.filter((outcome) => outcome === expected)).toHaveLength(1);
      }
      expect(countOf(DELETION_RESTARTED_METRIC)).toBe(MAX_REDRIVE_RESTARTS);
      expect(countOf(DELETION_GAVE_UP_METRIC)).toBe(1);

      // Later sweeps leave it alone: no new run, no second alarm.
      expect((await redriveUnfinishedDeletions())[id]).toBe('needs-operator');
      expect(executionStatus(executionName(id, MAX_REDRIVE_RESTARTS + 2))).toBeUndefined();
      expect(countOf(DELETION_GAVE_UP_METRIC)).toBe(1);
      const request = (await (await stack.api(`/deletion-requests/${id}`)).json()) as {
        workflowAttempt: number;
        needsOperator: { message: string };
      };
      expect(request.workflowAttempt).toBe(MAX_REDRIVE_RESTARTS + 1);
      expect(request.needsOperator.message).toMatch(
        /ran 6 times without finishing.*approve this request again to restart/s,
      );
      // Partly deleted, and said so: never stored-looking, never hidden behind a tombstone.
      const bag = await stack.api('/bags/digitised/stubborn');
      expect(bag.status).toBe(409);
      expect(await bag.text()).toContain('waits for an operator');
      // The approver's listing says so too, not only its --json.
      const listed = await bagvault(
        ['deletion', 'list', '--status', 'approved'],
        cliEnvironment(stack, { BAGVAULT_KEY: approver }),
      );
      expect(listed.stdout).toMatch(
        new RegExp(
          `${id} .*\\n  reason: Always fails\\n  needs an operator since .*: The deletion workflow ran 6 times`,
        ),
      );

      // The operator fixes the cause and approves again: it runs to its tombstone.
      finishFails = false;
      expect((await post(`/deletion-requests/${id}/approve`, approver)).status).toBe(202);
      await waitForStatus('/bags/digitised/stubborn', 410);
      const done = (await (await stack.api(`/deletion-requests/${id}`)).json()) as Record<string, unknown>;
      expect(done).toMatchObject({ workflowAttempt: MAX_REDRIVE_RESTARTS + 2, restarts: 0 });
      expect(done.needsOperator).toBeUndefined();
      expect(countOf(DELETION_RESTARTED_METRIC)).toBe(MAX_REDRIVE_RESTARTS + 1);
    } finally {
      finishFails = false;
      counted.mockRestore();
    }
  });
});

describe('a deletion whose StartExecution keeps being refused', () => {
  it('is tried again by every sweep, counted each time for the alarm and shown on the request, without using up its restarts', async () => {
    expect((await ingest('refused', { 'data/r.txt': 'Step Functions says no\n' })).status.id).toBe(
      'succeeded',
    );
    const counted = vi.spyOn(metrics, 'addMetric');
    const countOf = (name: string) => counted.mock.calls.filter(([metric]) => metric === name).length;
    const request = async () =>
      (await (await stack.api(`/deletion-requests/${id}`)).json()) as Record<string, unknown>;
    let id = '';
    let refusal: ReturnType<typeof refuseDeletionStarts> | undefined;
    try {
      // A first run that fails, so the sweep's restart is what Step Functions then refuses.
      finishFails = true;
      ({ id } = (await (
        await post('/bags/digitised/refused/deletion-requests', requester, { reason: 'Start refused' })
      ).json()) as { id: string });
      expect((await post(`/deletion-requests/${id}/approve`, approver)).status).toBe(202);
      await until(() => executionStatus(id) === 'FAILED', 'the first run to fail');
      finishFails = false;

      refusal = refuseDeletionStarts();
      // The restart is counted, then refused: the request stays on its new attempt.
      expect((await redriveUnfinishedDeletions())[id]).toBe('start-refused');
      // The next sweep starts that attempt again (and is refused again), not a third one.
      expect((await redriveUnfinishedDeletions())[id]).toBe('start-refused');
      expect(countOf(DELETION_START_FAILED_METRIC)).toBe(2);
      expect(countOf(DELETION_RESTARTED_METRIC)).toBe(1);
      expect(await request()).toMatchObject({
        workflowAttempt: 2,
        restarts: 1,
        startRefused: { times: 2, error: 'ThrottlingException' },
      });
      expect((await request()).needsOperator).toBeUndefined();
      expect(executionStatus(executionName(id, 2))).toBeUndefined();
      expect((await stack.api('/bags/digitised/refused')).status).toBe(409);
      const listed = await bagvault(
        ['deletion', 'list', '--status', 'approved'],
        cliEnvironment(stack, { BAGVAULT_KEY: approver }),
      );
      expect(listed.stdout).toMatch(
        new RegExp(
          `${id} .*\\n  reason: Start refused\\n  start refused 2 times, last .*: ThrottlingException \\(the re-drive keeps trying\\)`,
        ),
      );

      // The cause is gone: the next sweep starts the same attempt, and the note goes.
      refusal.restore();
      expect((await redriveUnfinishedDeletions())[id]).toBe('started');
      await waitForStatus('/bags/digitised/refused', 410);
      expect((await request()).startRefused).toBeUndefined();
      expect(countOf(DELETION_START_FAILED_METRIC)).toBe(2);
      expect(countOf(DELETION_RESTARTED_METRIC)).toBe(1);
    } finally {
      finishFails = false;
      refusal?.restore();
      counted.mockRestore();
    }
  });
});

describe('the stored-file index', () => {
  /** Every `FILE#` item of a bag, its reference items for fetch.txt files included. */
  async function fileItems(externalIdentifier: string): Promise<string[]> {
    const keys: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo().send(
        new ScanCommand({
          TableName: config().tableName,
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':prefix': `FILE#digitised/${externalIdentifier}/` },
          ProjectionExpression: 'pk',
          ExclusiveStartKey: start,
        }),
      );
      keys.push(...(page.Items ?? []).map((item) => String(item.pk)));
      start = page.LastEvaluatedKey;
    } while (start);
    return keys.sort();
  }

  it('loses the items of files a version took through fetch.txt when the bag is deleted', async () => {
    await storeBag({
      externalIdentifier: 'fetched-doomed',
      files: [
        { path: 'data/kept.txt', content: 'v1 bytes, fetched by v2\n' },
        { path: 'data/old.txt', content: 'v1 only\n' },
      ],
    });
    await storeBag({
      externalIdentifier: 'fetched-doomed',
      version: 'v2',
      files: [{ path: 'data/new.txt', content: 'v2 bytes\n' }],
      fetched: { 'data/kept.txt': 'v1' },
    });
    // The reference item lies under v2's key, where no object is.
    expect(await fileItems('fetched-doomed')).toContain('FILE#digitised/fetched-doomed/v2/data/kept.txt');

    const { id } = (await (
      await post('/bags/digitised/fetched-doomed/deletion-requests', requester, { reason: 'Duplicate' })
    ).json()) as { id: string };
    expect((await post(`/deletion-requests/${id}/approve`, approver)).status).toBe(202);
    await waitForStatus('/bags/digitised/fetched-doomed', 410);

    expect(await fileItems('fetched-doomed')).toEqual([]);
    expect((await stack.api('/bags/digitised/fetched-doomed/files/data/kept.txt?version=v2')).status).toBe(
      410,
    );
  });
});
