/**
 * SPEC §5 lists: cursors are authenticated and reveal no keys; a forged, tampered or foreign cursor
 * is a 400; the last page has no `next`; spaces a key cannot see never shape a page of GET /spaces.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../lambdas/auth/api-key-repository.ts';
import { ENV } from '../../lambdas/config.ts';
import { ensureSpace } from '../../lambdas/spaces/space-repository.ts';
import { openCursor, sealCursor } from '../../lambdas/table/cursor.ts';
import { errorOf } from '../support/api-client.ts';
import { seedIngest } from '../api/ingest-fixture.ts';
import { storeBag } from '../support/stored-bag.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

interface ListPage {
  results: { id?: string; status?: { id: string } }[];
  next?: string;
}

let stack: TestStack;
let reader: string;
let twoSpaces: string;
const INVALID = 'Invalid value at next: the cursor is not one this list issued.';

beforeAll(async () => {
  stack = await startTestStack();
  for (const id of ['pages', 'other-pages', 'sp-a', 'sp-b', 'sp-c', 'sp-d', 'sp-e', 'sp-f'])
    await ensureSpace(id, `space ${id}`);
  for (let n = 0; n < 4; n++) {
    await seedIngest({
      space: 'pages',
      createdDate: new Date(Date.UTC(2026, 0, 1 + n)).toISOString(),
      status: n % 2 === 0 ? 'failed' : 'succeeded',
    });
    await seedIngest({ space: 'other-pages', createdDate: new Date(Date.UTC(2026, 0, 1 + n)).toISOString() });
  }
  for (const version of ['v1', 'v2', 'v3'])
    await storeBag({
      space: 'pages',
      externalIdentifier: 'versioned',
      version,
      files: [{ path: 'data/a.txt', content: version }],
    });
  for (let n = 0; n < 2; n++)
    await storeBag({
      space: 'pages',
      externalIdentifier: `bag-${n}`,
      files: [{ path: 'data/a.txt', content: 'a' }],
    });
  ({ apiKey: reader } = await createApiKey({ user: 'reader', spaces: ['*'], roles: ['read'] }));
  ({ apiKey: twoSpaces } = await createApiKey({
    user: 'two-spaces',
    spaces: ['sp-b', 'sp-e'],
    roles: ['read'],
  }));
});
afterAll(async () => {
  await stack?.destroy();
});

async function page(path: string, key?: string): Promise<ListPage> {
  const response = await stack.api(path, key ? { key } : {});
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as ListPage;
}

async function walk(path: string, key?: string): Promise<ListPage[]> {
  const pages = [await page(path, key)];
  while (pages.at(-1)!.next && pages.length < 20)
    pages.push(await page(`${path}&next=${encodeURIComponent(pages.at(-1)!.next!)}`, key));
  return pages;
}

describe('the last page', () => {
  it.each([
    ['/ingests?space=pages&limit=4', [4]],
    ['/ingests?space=pages&limit=2', [2, 2]],
    ['/ingests?space=pages&limit=3', [3, 1]],
    ['/ingests?space=pages&limit=1', [1, 1, 1, 1]],
    ['/ingests?space=pages&status=failed&limit=2', [2]],
    ['/ingests?space=pages&status=failed&limit=1', [1, 1]],
    ['/bags?space=pages&limit=3', [3]],
    ['/bags?space=pages&limit=1', [1, 1, 1]],
    ['/bags/pages/versioned/versions?limit=3', [3]],
    ['/bags/pages/versioned/versions?limit=2', [2, 1]],
    ['/bags/pages/versioned/versions?before=v3&limit=1', [1, 1]],
  ])('%s: pages of %j, and no next on the last', async (path, sizes) => {
    const pages = await walk(path);
    expect(pages.map((one) => one.results.length)).toEqual(sizes);
    expect(pages.at(-1)!.next).toBeUndefined();
  });

  it('walks a list once, newest first, without repeats', async () => {
    const ids = (await walk('/ingests?space=pages&limit=1')).flatMap((one) => one.results.map((r) => r.id));
    const whole = (await page('/ingests?space=pages&limit=100')).results.map((r) => r.id);
    expect(ids).toEqual(whole);
    expect(new Set(ids).size).toBe(4);
  });
});

describe('a cursor that this list did not issue', () => {
  let cursor: string;
  beforeAll(async () => {
    cursor = (await page('/ingests?space=pages&limit=1')).next!;
  });

  const refused = async (path: string, key?: string) =>
    expect(await errorOf(await stack.api(path, key ? { key } : {}), 400)).toBe(INVALID);

  it('is refused when forged from a well-formed table key', async () => {
    const forged = Buffer.from(
      JSON.stringify({ pk: 'INGEST#x', sk: 'INGEST', gsi1pk: 'INGESTS#pages', gsi1sk: '2026#x' }),
    ).toString('base64url');
    await refused(`/ingests?space=pages&next=${forged}`);
  });

  it('is refused when any character of it is changed, or it is cut short', async () => {
    for (const at of [0, 1, 20, cursor.length - 1]) {
      const flipped = cursor.slice(0, at) + (cursor[at] === 'A' ? 'B' : 'A') + cursor.slice(at + 1);
      await refused(`/ingests?space=pages&limit=1&next=${flipped}`);
    }
    await refused(`/ingests?space=pages&limit=1&next=${cursor.slice(0, -4)}`);
  });

  it.each([
    ['another space', '/ingests?space=other-pages&limit=1'],
    ['another status filter', '/ingests?space=pages&status=failed&limit=1'],
    ['another list', '/bags?space=pages&limit=1'],
    ['the spaces list', '/spaces?limit=1'],
    ['a bag’s versions', '/bags/pages/versioned/versions?limit=1'],
  ])('is refused by %s', async (_name, path) => {
    await refused(`${path}&next=${cursor}`);
  });

  it('is refused for another caller, even one who may read the same space', async () => {
    await refused(`/ingests?space=pages&limit=1&next=${cursor}`, reader);
  });

  it.each([
    ['empty', ''],
    ['not base64url', '!!!'],
    ['huge', 'A'.repeat(5000)],
  ])('is refused when %s', async (_name, raw) => {
    await refused(`/ingests?space=pages&limit=1&next=${raw}`);
  });

  it('is refused when sealed with another home’s secret', async () => {
    const saved = process.env[ENV.cursorSecret];
    process.env[ENV.cursorSecret] = 'another-home-secret';
    const foreign = await sealCursor({ pk: 'a' }, 'binding');
    await expect(openCursor(foreign, 'binding')).resolves.toEqual({ pk: 'a' });
    process.env[ENV.cursorSecret] = saved;
    await expect(openCursor(foreign, 'binding')).rejects.toThrow(INVALID);
  });
});

describe('GET /spaces cursors', () => {
  it('page only through the spaces the key may use: no empty page, no other space shaping one', async () => {
    const pages = await walk('/spaces?limit=1', twoSpaces);
    expect(pages.map((one) => one.results.map((space) => space.id))).toEqual([['sp-b'], ['sp-e']]);
    expect(pages.at(-1)!.next).toBeUndefined();
  });

  it('are refused once the user key is replaced by one that may use other spaces', async () => {
    const { next } = await page('/spaces?limit=1', twoSpaces);
    // A new key for a user replaces the old one (SPEC §5.6): the same user, other spaces.
    const { apiKey: narrower } = await createApiKey({
      user: 'two-spaces',
      spaces: ['sp-e'],
      roles: ['read'],
    });
    const response = await stack.api(`/spaces?limit=1&next=${next}`, { key: narrower });
    expect(await errorOf(response, 400)).toBe(INVALID);
  });

  it('reveal no space id or table key', async () => {
    const pages = await walk('/spaces?limit=1');
    expect(pages.length).toBeGreaterThan(3);
    for (const one of pages.slice(0, -1)) {
      const decoded = Buffer.from(one.next!, 'base64url').toString('latin1');
      for (const text of ['SPACE', 'sp-', 'gsi1', ...one.results.map((space) => space.id!)])
        expect(decoded).not.toContain(text);
    }
  });
});

describe('the cursor secret of a local home', () => {
  it('is generated once into the home, readable only by its owner', async () => {
    const file = await stat(join(stack.home, 'cursor-secret'));
    expect(file.mode & 0o777).toBe(0o600);
  });
});
