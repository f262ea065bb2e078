/** `bagvault space`, `deletion` and `bag fixity --wait` against the local stack (SPEC §5.6, §6). */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { storeBag } from '../support/stored-bag.ts';
import { bagvault, cliEnvironment } from './run-bagvault.ts';

let stack: TestStack;
const env = (key?: string) => cliEnvironment(stack, key ? { BAGVAULT_KEY: key } : {});

async function issueKey(user: string, roles: string): Promise<string> {
  const result = await bagvault(
    ['admin', 'create-key', '--user', user, '--spaces', 'digitised', '--roles', roles, '--json'],
    env(),
  );
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { key: string }).key;
}

beforeAll(async () => {
  stack = await startTestStack();
}, 30_000);
afterAll(async () => {
  await stack?.destroy();
});

describe('bagvault space', () => {
  it('creates a space with a quota, then shows, lists, updates and lifts it', async () => {
    const id = `cli-${randomUUID().slice(0, 8)}`;
    const created = await bagvault(
      ['space', 'create', id, '--description', 'Born digital', '--quota', '5000000', '--json'],
      env(),
    );
    expect(created.code, created.stderr).toBe(0);
    const expected = { id, description: 'Born digital', quota: 5_000_000, used: 0, bagCount: 0 };
    expect(JSON.parse(created.stdout)).toMatchObject(expected);

    const shown = await bagvault(['space', 'show', id], env());
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`${id}  0 bags, 0 B used, quota 5.0 MB (5000000 bytes)  Born digital`);

    const listed = await bagvault(['space', 'list', '--json'], env());
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining(expected));

    const lifted = await bagvault(['space', 'update', id, '--quota', 'none', '--json'], env());
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(JSON.parse(lifted.stdout)).toMatchObject({ id, quota: null, description: 'Born digital' });

    const again = await bagvault(['space', 'create', id], env());
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`answered 409 Conflict: Space ${id} already exists`);
  });
});

describe('bagvault deletion', () => {
  it('a request by one user and an approval by another leave the bag answering 410', async () => {
    const id = `doomed-${randomUUID().slice(0, 8)}`;
    const archive = await bagToTarGz(identifiedBag(id, { 'data/a.txt': 'deposited in error\n' }));
    const ingested = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: id, ingestType: 'create' },
      archive,
    );
    expect(ingested.status.id).toBe('succeeded');
    const requester = await issueKey(`req-${id}`, 'read,delete-request');
    const approver = await issueKey(`app-${id}`, 'read,delete-approve');

    const requested = await bagvault(
      ['deletion', 'request', `digitised/${id}`, '--reason', 'Deposited in error'],
      env(requester),
    );
    expect(requested.code, requested.stderr).toBe(0);
    const requestId = requested.stdout.trim();
    expect(requested.stderr).toContain(`bagvault deletion approve ${requestId}`);

    const open = await bagvault(['deletion', 'list', '--json'], env(approver));
    expect(JSON.parse(open.stdout)).toContainEqual(
      expect.objectContaining({ id: requestId, status: 'open', reason: 'Deposited in error' }),
    );
    // The requester's key cannot approve: the server's reason, exit 1.
    const refused = await bagvault(['deletion', 'approve', requestId], env(requester));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/answered 403 Forbidden: .+/);

    const approved = await bagvault(['deletion', 'approve', requestId], env(approver));
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout.trim()).toBe(`${requestId} approved`);

    const deadline = Date.now() + 30_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await stack.api(`/bags/digitised/${id}`)).status) !== 410) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(410);
    const shown = await bagvault(['bag', 'show', `digitised/${id}`], env());
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain('answered 410');
    const decided = await bagvault(['deletion', 'list', '--status', 'approved'], env(approver));
    expect(decided.stdout).toContain(`${requestId}  digitised/${id}  approved  requested by req-${id}`);
  }, 60_000);
});

describe('bagvault bag fixity --wait', () => {
  it('exits 0 on a clean bag, printing the outcome and counts; listing shows the run', async () => {
    const id = `clean-${randomUUID().slice(0, 8)}`;
    await storeBag({
      externalIdentifier: id,
      files: [{ path: 'data/a.txt', content: 'intact\n' }],
      replicated: true,
    });
    const result = await bagvault(['bag', 'fixity', `digitised/${id}`, '--wait', '--version', 'v1'], env());
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/passed/);
    expect(result.stdout).toContain('missing 0, changed 0, untracked 0, repaired 0');
    const runId = result.stdout.split(/\s/)[0];
    const listed = await bagvault(['bag', 'fixity', `digitised/${id}`, '--json'], env());
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({ id: runId, status: 'finished', success: true }),
    );
  });

  it('exits 1 when a copy is missing and cannot be repaired', async () => {
    const id = `lost-${randomUUID().slice(0, 8)}`;
    await storeBag({
      externalIdentifier: id,
      files: [{ path: 'data/a.txt', content: 'gone\n' }],
      missing: ['data/a.txt'],
    });
    const result = await bagvault(['bag', 'fixity', `digitised/${id}`, '--wait'], env());
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain('FAILED');
    expect(result.stdout).toMatch(/missing [1-9]/);
  });
});

describe('usage errors', () => {
  const offline = () => ({ ...process.env, BAGVAULT_URL: 'http://127.0.0.1:9', BAGVAULT_KEY: 'a:b' });
  it.each([
    [['space', 'create', 'born-digital', '--quota', '10GB'], 'bad --quota "10GB"'],
    [['space', 'update', 'born-digital', '--quota', '-1'], 'bad --quota "-1"'],
    [['space', 'update', 'born-digital'], 'nothing to change: give --description and/or --quota'],
    [['space', 'show', 'Born Digital'], 'bad space "Born Digital"'],
    [['deletion', 'request', 'digitised/b1'], "required option '--reason <text>' not specified"],
    [['deletion', 'request', 'b1', '--reason', 'x'], 'bad bag "b1"'],
    [['deletion', 'list', '--status', 'pending'], "argument 'pending' is invalid"],
    [['deletion', 'approve'], "missing required argument 'request-id'"],
    [['bag', 'fixity', 'digitised/b1', '--version', 'v1'], '--version needs --start or --wait'],
    [['bag', 'fixity', 'digitised/b1', '--wait', '--version', '2'], 'bad --version "2"'],
  ])('exits 2 naming the bad argument: %s', async (args, message) => {
    const result = await bagvault(args, offline());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
