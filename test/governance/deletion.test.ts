/** SPEC §5.6 deletion over HTTP against the local stack: two people, every version gone, a tombstone. */
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo, s3 } from '../../lambdas/aws-clients.ts';
import { finishDeletion } from '../../lambdas/deletion/deletion-workflow.ts';
import { buildBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

let stack: TestStack;
/** A asks (and holds delete-approve too, so only the two-person rule can stop them); B approves. */
let requester: string;
let approver: string;

interface SpaceView {
  used: number;
  bagCount: number;
}

const archiveOf = (externalIdentifier: string, payload: Record<string, string>) =>
  bagToTarGz(buildBag({ payload, info: [['External-Identifier', externalIdentifier]] }));

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

async function issueKey(user: string, roles: string[]): Promise<string> {
  const response = await stack.api('/keys', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, spaces: ['digitised'], roles }),
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

beforeAll(async () => {
  stack = await startTestStack();
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
