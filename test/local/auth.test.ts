import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

/** Runs the command line as a user would; asynchronously, since the local servers live in this process. */
async function bagvault(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['bin/bagvault.js', ...args], {
      env: { ...process.env, ...env },
    });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { status: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function createKey(user: string, spaces: string, roles: string): Promise<string> {
  const result = await bagvault(
    ['admin', 'create-key', '--user', user, '--spaces', spaces, '--roles', roles],
    { BAGVAULT_URL: stack.apiUrl, BAGVAULT_KEY: stack.adminKey },
  );
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

describe('API-key authentication and authorization over HTTP', () => {
  it('leaves GET /healthcheck open', async () => {
    const response = await stack.api('/healthcheck', { key: null });
    expect(response.status).toBe(200);
  });

  it('answers 401 in the error shape when no key is sent', async () => {
    const response = await stack.api('/spaces', { key: null });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ type: 'Error', httpStatus: 401, label: 'Unauthorized' });
  });

  it.each([
    ['a garbled header', 'Bearer abc', 401],
    ['an unknown user', 'ApiKey nobody:secret', 401],
    ['a wrong secret', 'ApiKey admin:not-the-secret', 401],
  ])('answers 401 for %s', async (_name, header, status) => {
    const response = await fetch(`${stack.apiUrl}/spaces`, { headers: { authorization: header } });
    expect(response.status).toBe(status);
    const body = (await response.json()) as { description: string };
    expect(body.description).not.toMatch(/at .*\.ts/);
  });

  it('lists both default spaces for the admin key', async () => {
    const response = await stack.api('/spaces');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { type: string; results: { id: string }[] };
    expect(body.type).toBe('ResultList');
    expect(body.results.map((space) => space.id).sort()).toEqual(['born-digital', 'digitised']);
  });

  it('answers 403 for a valid key without the route role', async () => {
    const readOnly = await createKey('reader', 'digitised', 'read');
    const response = await stack.api('/ingests', { key: readOnly, method: 'POST', body: '{}' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ httpStatus: 403, label: 'Forbidden' });
  });

  it('answers 404 for a space the key cannot use, and hides it from lists', async () => {
    const key = await createKey('digitiser', 'digitised', 'read,ingest');
    expect((await stack.api('/spaces/digitised', { key })).status).toBe(200);
    const other = await stack.api('/spaces/born-digital', { key });
    expect(other.status).toBe(404);
    const list = (await (await stack.api('/spaces', { key })).json()) as { results: { id: string }[] };
    expect(list.results.map((space) => space.id)).toEqual(['digitised']);
  });

  it('shows a space with its accounting fields', async () => {
    const response = await stack.api('/spaces/digitised');
    expect(await response.json()).toEqual({
      id: 'digitised',
      description: 'Digitised collections',
      quota: null,
      used: 0,
      bagCount: 0,
    });
  });

  it('refuses a create-key request with an unknown role as a usage error', async () => {
    const result = await bagvault([
      'admin',
      'create-key',
      '--user',
      'x',
      '--spaces',
      'a',
      '--roles',
      'superuser',
    ]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown role(s): superuser');
  });

  it('rejects a tampered pagination cursor with 400', async () => {
    const response = await stack.api('/spaces?next=bm90LWEtY3Vyc29y');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { description: string }).description).toContain('cursor');
  });

  it('rejects an out-of-range limit with 400', async () => {
    expect((await stack.api('/spaces?limit=0')).status).toBe(400);
    expect((await stack.api('/spaces?limit=1001')).status).toBe(400);
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const response = await stack.api('/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ type: 'Error', httpStatus: 404 });
  });
});
