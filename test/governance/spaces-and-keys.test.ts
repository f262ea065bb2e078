import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

const send = (path: string, method: string, body?: unknown, key?: string) =>
  stack.api(path, {
    method,
    ...(key ? { key } : {}),
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const descriptionOf = async (response: Response) =>
  ((await response.json()) as { description: string }).description;

describe('spaces over HTTP', () => {
  it('creates a space with a quota, shows used and bagCount, and changes its quota', async () => {
    const created = await send('/spaces', 'POST', { id: 'maps', description: 'Maps', quota: 10_000 });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${stack.apiUrl}/spaces/maps`);
    expect(await created.json()).toEqual({
      id: 'maps',
      description: 'Maps',
      quota: 10_000,
      used: 0,
      bagCount: 0,
    });

    const shown = await stack.api('/spaces/maps');
    expect(await shown.json()).toEqual({
      id: 'maps',
      description: 'Maps',
      quota: 10_000,
      used: 0,
      bagCount: 0,
    });

    const patched = await send('/spaces/maps', 'PATCH', { quota: 20_000 });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id: 'maps', description: 'Maps', quota: 20_000 });

    const unlimited = await send('/spaces/maps', 'PATCH', { quota: null });
    expect(await unlimited.json()).toMatchObject({ quota: null });
  });

  it('refuses a duplicate id with 409 and leaves the first space as it was', async () => {
    await send('/spaces', 'POST', { id: 'letters', description: 'Letters', quota: 5 });
    const again = await send('/spaces', 'POST', { id: 'letters', description: 'Other', quota: null });
    expect(again.status).toBe(409);
    expect(await (await stack.api('/spaces/letters')).json()).toMatchObject({
      description: 'Letters',
      quota: 5,
    });
  });

  it.each([
    [{ id: 'Upper', description: 'x' }, '.id'],
    [{ id: '-dash', description: 'x' }, '.id'],
    [{ id: 'a'.repeat(64), description: 'x' }, '.id'],
    [{ id: 'ok-space', quota: -1 }, '.quota'],
    [{ id: 'ok-space', quota: 1.5 }, '.quota'],
    [{ id: 'ok-space', quota: '10' }, '.quota'],
    [{ id: 'ok-space', colour: 'red' }, '.colour'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const response = await send('/spaces', 'POST', body);
    expect(response.status).toBe(400);
    expect(await descriptionOf(response)).toContain(`Invalid value at ${field}`);
  });

  it('answers 404 for a PATCH of a space that does not exist, 400 for unknown fields', async () => {
    expect((await send('/spaces/nowhere', 'PATCH', { quota: 1 })).status).toBe(404);
    expect((await send('/spaces/digitised', 'PATCH', { used: 0 })).status).toBe(400);
  });

  it('lets only admins create or change spaces', async () => {
    const reader = (await (
      await send('/keys', 'POST', { user: 'space-reader', spaces: ['*'], roles: ['read'] })
    ).json()) as {
      key: string;
    };
    expect((await send('/spaces', 'POST', { id: 'sneaky' }, reader.key)).status).toBe(403);
    expect((await send('/spaces/digitised', 'PATCH', { quota: 0 }, reader.key)).status).toBe(403);
  });
});

describe('API keys over HTTP', () => {
  it('creates, lists and revokes a key; the revoked key is refused on the very next request', async () => {
    const created = await send('/keys', 'POST', {
      user: 'archivist',
      spaces: ['digitised'],
      roles: ['read', 'ingest'],
    });
    expect(created.status).toBe(201);
    const issued = (await created.json()) as { user: string; key: string; createdDate: string };
    expect(issued).toMatchObject({ user: 'archivist', spaces: ['digitised'], roles: ['read', 'ingest'] });
    expect(issued.key).toMatch(/^archivist:\S{20,}$/);
    expect((await stack.api('/spaces/digitised', { key: issued.key })).status).toBe(200);

    const listed = await stack.api('/keys');
    const text = await listed.text();
    expect(JSON.parse(text).results).toContainEqual({
      user: 'archivist',
      spaces: ['digitised'],
      roles: ['read', 'ingest'],
      createdDate: issued.createdDate,
    });
    const secret = issued.key.split(':')[1] as string;
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/secretHash|[0-9a-f]{64}/);

    expect((await stack.api('/keys/archivist', { method: 'DELETE' })).status).toBe(200);
    expect((await stack.api('/spaces/digitised', { key: issued.key })).status).toBe(401);
    expect((await stack.api('/keys/archivist', { method: 'DELETE' })).status).toBe(404);
  });

  it('replaces the old key when a user gets a new one', async () => {
    const first = (await (
      await send('/keys', 'POST', { user: 'rotating', spaces: ['*'], roles: ['read'] })
    ).json()) as {
      key: string;
    };
    const second = (await (
      await send('/keys', 'POST', { user: 'rotating', spaces: ['*'], roles: ['read'] })
    ).json()) as {
      key: string;
    };
    expect((await stack.api('/spaces', { key: first.key })).status).toBe(401);
    expect((await stack.api('/spaces', { key: second.key })).status).toBe(200);
  });

  it('refuses a key for spaces that do not exist, naming them, and stores nothing', async () => {
    const response = await send('/keys', 'POST', {
      user: 'lost',
      spaces: ['digitised', 'nope', 'nada'],
      roles: ['read'],
    });
    expect(response.status).toBe(400);
    expect(await descriptionOf(response)).toMatch(/no such space: nope, nada/);
    const listed = (await (await stack.api('/keys')).json()) as { results: { user: string }[] };
    expect(listed.results.map((key) => key.user)).not.toContain('lost');
  });

  it('refuses unknown roles and fields with 400', async () => {
    expect((await send('/keys', 'POST', { user: 'x', spaces: ['*'], roles: ['root'] })).status).toBe(400);
    expect(
      (await send('/keys', 'POST', { user: 'x', spaces: ['*'], roles: ['read'], secret: 's' })).status,
    ).toBe(400);
  });

  it('keeps key administration to admins', async () => {
    const reader = (await (
      await send('/keys', 'POST', { user: 'key-reader', spaces: ['*'], roles: ['read', 'ingest'] })
    ).json()) as {
      key: string;
    };
    expect((await stack.api('/keys', { key: reader.key })).status).toBe(403);
    expect(
      (await send('/keys', 'POST', { user: 'key-reader', spaces: ['*'], roles: ['admin'] }, reader.key))
        .status,
    ).toBe(403);
    expect((await stack.api('/keys/admin', { method: 'DELETE', key: reader.key })).status).toBe(403);
  });
});

describe('bagvault admin', () => {
  async function bagvault(args: string[], env: NodeJS.ProcessEnv) {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    try {
      const { stdout, stderr } = await promisify(execFile)('node', ['bin/bagvault.js', 'admin', ...args], {
        env: { ...process.env, ...env },
      });
      return { status: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('bootstraps a first admin key straight into the table, then administers keys over the API with it', async () => {
    const boot = await bagvault(
      ['bootstrap-key', '--user', 'first-admin', '--spaces', '*', '--roles', 'admin'],
      {
        BAGVAULT_TABLE: '',
        BAGVAULT_DYNAMODB_PORT: new URL(stack.dynamoDBEndpoint).port,
      },
    );
    expect(boot.status, boot.stderr).toBe(0);
    const api = { BAGVAULT_URL: stack.apiUrl, BAGVAULT_KEY: boot.stdout.trim() };

    const created = await bagvault(
      ['create-key', '--user', 'cli-user', '--spaces', 'digitised', '--roles', 'read'],
      api,
    );
    expect(created.status, created.stderr).toBe(0);
    expect((await stack.api('/spaces/digitised', { key: created.stdout.trim() })).status).toBe(200);

    const listed = await bagvault(['list-keys'], api);
    expect(listed.stdout).toMatch(/^cli-user\tdigitised\tread\t\d{4}-/m);

    expect((await bagvault(['revoke-key', 'cli-user'], api)).status).toBe(0);
    expect((await stack.api('/spaces/digitised', { key: created.stdout.trim() })).status).toBe(401);

    const refused = await bagvault(
      ['create-key', '--user', 'x', '--spaces', 'missing', '--roles', 'read'],
      api,
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no such space: missing');
  });
});
