import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../lambdas/auth/api-key-repository.ts';
import { getRun } from '../../lambdas/fixity/fixity-runs.ts';
import { storedFileKey } from '../../lambdas/storage/storage-layout.ts';
import { errorOf } from '../support/api-client.ts';
import { localS3 } from '../support/s3-client.ts';
import { buildBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { storeBag } from '../support/stored-bag.ts';
import { flipByte, removeObjectFile, runFixity, startFixity } from './fixity-fixture.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const PAGE = Buffer.from('page one of the digitised book\n'.repeat(200));
const files = [
  { path: 'data/page-1.txt', content: PAGE },
  { path: 'data/page-2.txt', content: 'page two\n' },
  { path: 'bag-info.txt', content: 'Source: test\n' },
];

let stack: TestStack;
/** The bag whose chunk checks throw (an internal error inside a CheckingChunks child). */
const BROKEN = 'broken-chunk';
beforeAll(async () => {
  stack = await startTestStack({
    taskHooks: {
      beforeTask: async (state, input) => {
        if (state !== 'CheckChunk') return;
        const run = await getRun((input as { runId: string }).runId);
        if (run?.externalIdentifier === BROKEN) throw new Error('injected: the chunk list cannot be parsed');
      },
    },
  });
  await createApiKey({ user: 'reader', spaces: ['*'], roles: ['read'] }, 'reader-secret-0123456789');
  await createApiKey(
    { user: 'curator', spaces: ['digitised'], roles: ['read', 'ingest'] },
    'curator-secret-0123456',
  );
});
afterAll(() => stack?.destroy());

/** Follows the download redirect as a client should: without the Authorization header. */
async function download(
  bagId: string,
  path: string,
): Promise<{ status: number; bytes?: Buffer; url?: string }> {
  const response = await stack.api(`/bags/${bagId}/files/${path}`);
  if (response.status !== 302) return { status: response.status };
  const url = response.headers.get('location') as string;
  const object = await fetch(url);
  return { status: object.status, bytes: Buffer.from(await object.arrayBuffer()), url };
}

async function eventsOf(bagId: string) {
  const response = await stack.api(`/bags/${bagId}/events?limit=1000`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: { eventType: string; outcome: string; detail: string }[] })
    .results;
}

describe('a fixity run', () => {
  it('names the reason a chunk could not be checked, not only that a child execution failed', async () => {
    await storeBag({ externalIdentifier: BROKEN, files, replicated: true });
    const report = await runFixity(stack, `digitised/${BROKEN}`);
    expect(report).toMatchObject({ status: 'failed', success: false });
    expect(report.message).toBe(
      'Fixity check failed - chunk 0 could not be checked: injected: the chunk list cannot be parsed',
    );
    expect(await eventsOf(`digitised/${BROKEN}`)).toMatchObject([
      { eventType: 'fixity check', outcome: 'failure', detail: report.message },
    ]);
  });

  it('passes a clean bag in every location, with its progress and an event', async () => {
    await storeBag({ externalIdentifier: 'clean', files, replicated: true });
    const report = await runFixity(stack, 'digitised/clean');
    expect(report).toMatchObject({
      status: 'finished',
      success: true,
      progress: { filesTotal: 3, filesChecked: 3, locations: ['primary', 'replica'] },
      failures: { files: { missing: [], changed: [], untracked: [], notCheckable: [] } },
      repaired: [],
    });
    expect(report.message).toBe('Every copy verified: 3 files in 2 locations');
    expect(await eventsOf('digitised/clean')).toMatchObject([
      { eventType: 'fixity check', outcome: 'success', detail: report.message },
    ]);
  });

  it('reports a byte flipped on disk in the primary copy as changed, repairs it from the replica, and then passes', async () => {
    const bag = await storeBag({ externalIdentifier: 'rot', files, replicated: true });
    const key = storedFileKey('digitised', 'rot', 'v1', 'data/page-1.txt');
    await flipByte(stack, stack.buckets.primary, key, 100);

    const report = await runFixity(stack, 'digitised/rot');
    const expected = bag.manifest.manifest.files.find((file) => file.name === 'data/page-1.txt')!;
    expect(report.failures.files.changed).toEqual([
      expect.objectContaining({
        path: 'data/page-1.txt',
        location: 'primary',
        expected: expected.checksum,
        hash_type: 'sha256',
      }),
    ]);
    expect(report.failures.files.changed[0]!.actual).not.toBe(expected.checksum);
    expect(report.repaired).toEqual([
      expect.objectContaining({ path: 'data/page-1.txt', location: 'primary', from: 'replica' }),
    ]);
    expect(report.success).toBe(true);

    const fetched = await download('digitised/rot', 'data/page-1.txt');
    expect(fetched.status).toBe(200);
    expect(fetched.url).toContain(stack.buckets.primary);
    expect(sha256(fetched.bytes!)).toBe(expected.checksum);

    const again = await runFixity(stack, 'digitised/rot');
    expect(again).toMatchObject({ success: true, repaired: [], failures: { files: { changed: [] } } });
    expect((await eventsOf('digitised/rot')).map((event) => [event.eventType, event.outcome])).toEqual([
      ['repair', 'success'],
      ['fixity check', 'success'],
      ['fixity check', 'success'],
    ]);
  });

  it('reports a deleted primary object as missing and repairs it', async () => {
    await storeBag({ externalIdentifier: 'lost', files, replicated: true });
    await removeObjectFile(
      stack,
      stack.buckets.primary,
      storedFileKey('digitised', 'lost', 'v1', 'data/page-2.txt'),
    );
    const report = await runFixity(stack, 'digitised/lost');
    expect(report.failures.files.missing).toEqual([
      expect.objectContaining({ path: 'data/page-2.txt', location: 'primary' }),
    ]);
    expect(report.repaired).toMatchObject([
      { path: 'data/page-2.txt', location: 'primary', from: 'replica' },
    ]);
    expect(report.success).toBe(true);
    expect((await download('digitised/lost', 'data/page-2.txt')).bytes?.toString()).toBe('page two\n');
  });

  it("reports an object under the version's prefix that the manifest does not list as untracked", async () => {
    await storeBag({ externalIdentifier: 'extra', files, replicated: true });
    await localS3(stack).send(
      new PutObjectCommand({
        Bucket: stack.buckets.replica,
        Key: storedFileKey('digitised', 'extra', 'v1', 'data/smuggled.txt'),
        Body: 'not in the manifest',
      }),
    );
    const report = await runFixity(stack, 'digitised/extra');
    expect(report.failures.files.untracked).toEqual([
      expect.objectContaining({ path: 'data/smuggled.txt', location: 'replica' }),
    ]);
    expect(report.success).toBe(false);
    expect(report.message).toMatch(/1 untracked object/);
  });

  it('fails loudly when both copies are corrupted, repairs nothing from a bad copy, and serves neither', async () => {
    await storeBag({ externalIdentifier: 'doomed', files, replicated: true });
    const key = storedFileKey('digitised', 'doomed', 'v1', 'data/page-1.txt');
    await flipByte(stack, stack.buckets.primary, key, 1);
    await flipByte(stack, stack.buckets.replica, key, 2);
    const report = await runFixity(stack, 'digitised/doomed');
    expect(report.success).toBe(false);
    expect(report.repaired).toEqual([]);
    expect(report.failures.files.changed.map((entry) => entry.location).sort()).toEqual([
      'primary',
      'replica',
    ]);
    expect(report.failures.files.changed[0]!.message).toMatch(/not repaired: has no verified copy/);
    expect(report.message).toMatch(
      /^Fixity check failed - 2 problems left unrepaired \(2 changed; 0 repaired\)/,
    );
    expect(await eventsOf('digitised/doomed')).toMatchObject([
      { eventType: 'fixity check', outcome: 'failure' },
    ]);
    expect((await download('digitised/doomed', 'data/page-1.txt')).status).toBe(409);
  });

  it('checks a file that came through fetch.txt at the version holding it', async () => {
    await storeBag({ externalIdentifier: 'fetched', files, replicated: true });
    await storeBag({
      externalIdentifier: 'fetched',
      version: 'v2',
      files: [{ path: 'data/page-3.txt', content: 'page three\n' }],
      fetched: { 'data/page-1.txt': 'v1' },
      replicated: true,
    });
    await flipByte(
      stack,
      stack.buckets.replica,
      storedFileKey('digitised', 'fetched', 'v1', 'data/page-1.txt'),
    );
    const report = await runFixity(stack, 'digitised/fetched', '?version=v2');
    expect(report.failures.files.changed).toMatchObject([{ path: 'data/page-1.txt', location: 'replica' }]);
    expect(report.repaired).toMatchObject([
      { path: 'data/page-1.txt', location: 'replica', from: 'primary' },
    ]);
  });
});

describe('an ingested bag', () => {
  it('has its ingest in its history, then a SHA-512 fixity run that repairs a replica', async () => {
    const bag = buildBag({
      payload: { 'data/a.txt': 'alpha\n', 'data/b.txt': PAGE },
      algorithms: ['sha512'],
      info: [['External-Identifier', 'ingested']],
    });
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'ingested' },
      await bagToTarGz(bag),
    );
    expect(ingest.status.id).toBe('succeeded');
    expect(await eventsOf('digitised/ingested')).toMatchObject([
      { eventType: 'ingestion', outcome: 'success', version: 'v1', ingestId: ingest.id },
    ]);
    await flipByte(stack, stack.buckets.replica, storedFileKey('digitised', 'ingested', 'v1', 'data/b.txt'));
    const report = await runFixity(stack, 'digitised/ingested');
    expect(report.failures.files.changed).toMatchObject([
      { path: 'data/b.txt', location: 'replica', hash_type: 'sha512' },
    ]);
    expect(report.repaired).toMatchObject([{ path: 'data/b.txt', location: 'replica', from: 'primary' }]);
    expect(report.success).toBe(true);
    expect((await eventsOf('digitised/ingested')).map((event) => event.eventType)).toEqual([
      'ingestion',
      'repair',
      'fixity check',
    ]);
    const page = await stack.api('/bags/digitised/ingested/events?limit=1');
    const first = (await page.json()) as { results: { eventType: string }[]; next: string };
    expect(first.results).toMatchObject([{ eventType: 'ingestion' }]);
    const second = await stack.api(`/bags/digitised/ingested/events?limit=1&next=${first.next}`);
    expect(((await second.json()) as { results: unknown[] }).results).toMatchObject([
      { eventType: 'repair' },
    ]);
  });
});

describe('reads prefer good copies', () => {
  it('serves a file from a verified replica while its primary copy is recorded bad', async () => {
    const { recordBadCopy } = await import('../../lambdas/fixity/copy-health.ts');
    await storeBag({ externalIdentifier: 'prefer', files, replicated: true });
    const key = storedFileKey('digitised', 'prefer', 'v1', 'data/page-1.txt');
    await flipByte(stack, stack.buckets.primary, key, 5);
    // What a check that could not repair the primary leaves behind.
    await recordBadCopy(key, 'primary', { runId: 'r', state: 'changed' });
    const fetched = await download('digitised/prefer', 'data/page-1.txt');
    expect(fetched.url).toContain(stack.buckets.replica);
    expect(fetched.bytes?.equals(PAGE)).toBe(true);
    // An operator puts the primary's bytes back; the next run finds it good and clears the record.
    await flipByte(stack, stack.buckets.primary, key, 5);
    expect(await runFixity(stack, 'digitised/prefer')).toMatchObject({ success: true, repaired: [] });
    expect((await download('digitised/prefer', 'data/page-1.txt')).url).toContain(stack.buckets.primary);
  });
});

describe('the fixity API', () => {
  it('lists a bag’s runs newest first, paginated', async () => {
    await storeBag({ externalIdentifier: 'listed', files, replicated: true });
    const first = await runFixity(stack, 'digitised/listed');
    const second = await runFixity(stack, 'digitised/listed');
    const page = await stack.api('/bags/digitised/listed/fixity?limit=1');
    const body = (await page.json()) as { results: { id: string }[]; next: string };
    expect(body.results.map((run) => run.id)).toEqual([second.id]);
    const rest = await stack.api(`/bags/digitised/listed/fixity?limit=1&next=${body.next}`);
    expect(((await rest.json()) as { results: { id: string }[] }).results.map((run) => run.id)).toEqual([
      first.id,
    ]);
  });

  it('refuses a read-only key (403), hides other spaces and unknown bags (404), and checks the version (400)', async () => {
    await storeBag({ space: 'born-digital', externalIdentifier: 'hidden', files, replicated: true });
    await errorOf(await startFixity(stack, 'digitised/clean', '', 'reader:reader-secret-0123456789'), 403);
    await errorOf(await startFixity(stack, 'born-digital/hidden', '', 'curator:curator-secret-0123456'), 404);
    await errorOf(await startFixity(stack, 'digitised/nothing-here'), 404);
    await errorOf(await startFixity(stack, 'digitised/clean', '?version=latest'), 400);
    await errorOf(await startFixity(stack, 'digitised/clean', '?version=v9'), 404);
    await errorOf(await stack.api('/bags/digitised/clean', { method: 'POST' }), 404);
    await errorOf(await stack.api(`/fixity/${crypto.randomUUID()}`), 404);
    await errorOf(await stack.api('/fixity/not-an-id'), 404);
  });
});
