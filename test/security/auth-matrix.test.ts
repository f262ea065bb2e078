/**
 * SPEC §4 as a matrix of routes × callers, through the local gateway and authorizer: no key → 401,
 * a key without the role → 403, a resource in a space the key cannot use → 404 (or 400 where the
 * space is a request field), and nothing of another space or another user shows through.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../lambdas/auth/api-key-repository.ts';
import { seedIngest } from '../api/ingest-fixture.ts';
import { postCart, waitForCart } from '../support/cart-client.ts';
import { storeBag, type StoredFile } from '../support/stored-bag.ts';
import { ingestRequest } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

type Caller = 'admin' | 'readDigitised' | 'ingestBornDigital' | 'none';

let stack: TestStack;
const keys: Partial<Record<Caller, string>> = {};
let digitisedFile: StoredFile;
let bornDigitalFile: StoredFile;
let digitisedIngest: string;
let bornDigitalIngest: string;
const adminCart = randomUUID();

beforeAll(async () => {
  stack = await startTestStack();
  keys.admin = stack.adminKey;
  ({ apiKey: keys.readDigitised } = await createApiKey({
    user: 'rd',
    spaces: ['digitised'],
    roles: ['read'],
  }));
  ({ apiKey: keys.ingestBornDigital } = await createApiKey({
    user: 'ibd',
    spaces: ['born-digital'],
    roles: ['ingest'],
  }));
  [digitisedFile] = (
    await storeBag({
      externalIdentifier: 'matrix-d',
      files: [{ path: 'data/a.txt', content: 'a' }],
    })
  ).files as [StoredFile];
  [bornDigitalFile] = (
    await storeBag({
      space: 'born-digital',
      externalIdentifier: 'matrix-b',
      files: [{ path: 'data/b.txt', content: 'b' }],
    })
  ).files as [StoredFile];
  digitisedIngest = (await seedIngest({ space: 'digitised', status: 'succeeded' })).id;
  bornDigitalIngest = (await seedIngest({ space: 'born-digital', status: 'succeeded' })).id;
  const fileids = [{ id: digitisedFile.id, path: 'a.txt', hashtype: 'sha256', hashsum: '' }];
  expect((await postCart(stack, adminCart, { fileids })).status).toBe(201);
  await waitForCart(stack, adminCart);
});
afterAll(async () => {
  await stack?.destroy();
});

const json = (body: unknown) => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});
const ingestInto = (space: string, path: string) =>
  json(ingestRequest({ space, externalIdentifier: `m-${randomUUID()}`, path, bucket: 'bagvault-uploads' }));
const cartOf = (file: () => StoredFile) => () =>
  json({ fileids: [{ id: file().id, path: 'x', hashtype: 'sha256', hashsum: '' }] });

interface Row {
  name: string;
  method: string;
  path: () => string;
  init?: () => RequestInit;
  expected: Record<Caller, number>;
}

/** The matrix itself: one row per route (and per space where the space decides). */
const ROWS: Row[] = [
  {
    name: 'GET /spaces',
    method: 'GET',
    path: () => '/spaces',
    expected: { admin: 200, readDigitised: 200, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'GET /spaces/digitised',
    method: 'GET',
    path: () => '/spaces/digitised',
    expected: { admin: 200, readDigitised: 200, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'GET /spaces/born-digital',
    method: 'GET',
    path: () => '/spaces/born-digital',
    expected: { admin: 200, readDigitised: 404, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'POST /uploads (digitised)',
    method: 'POST',
    path: () => '/uploads',
    init: () => json({ space: 'digitised', filename: 'a.tar.gz', size: 1 }),
    expected: { admin: 201, readDigitised: 403, ingestBornDigital: 400, none: 401 },
  },
  {
    name: 'POST /uploads (born-digital)',
    method: 'POST',
    path: () => '/uploads',
    init: () => json({ space: 'born-digital', filename: 'a.tar.gz', size: 1 }),
    expected: { admin: 201, readDigitised: 403, ingestBornDigital: 201, none: 401 },
  },
  {
    name: 'POST /ingests (born-digital, own upload)',
    method: 'POST',
    path: () => '/ingests',
    init: () => ingestInto('born-digital', `born-digital/${randomUUID()}/a.tar.gz`),
    expected: { admin: 201, readDigitised: 403, ingestBornDigital: 201, none: 401 },
  },
  {
    name: 'POST /ingests (digitised)',
    method: 'POST',
    path: () => '/ingests',
    init: () => ingestInto('digitised', `digitised/${randomUUID()}/a.tar.gz`),
    expected: { admin: 201, readDigitised: 403, ingestBornDigital: 400, none: 401 },
  },
  {
    name: 'POST /ingests (born-digital, digitised upload)',
    method: 'POST',
    path: () => '/ingests',
    init: () => ingestInto('born-digital', `digitised/${randomUUID()}/a.tar.gz`),
    expected: { admin: 400, readDigitised: 403, ingestBornDigital: 400, none: 401 },
  },
  {
    name: 'GET /ingests?space=digitised',
    method: 'GET',
    path: () => '/ingests?space=digitised',
    expected: { admin: 200, readDigitised: 200, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'GET /ingests?space=born-digital',
    method: 'GET',
    path: () => '/ingests?space=born-digital',
    expected: { admin: 200, readDigitised: 404, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'GET /ingests/{digitised}',
    method: 'GET',
    path: () => `/ingests/${digitisedIngest}`,
    expected: { admin: 200, readDigitised: 200, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'GET /ingests/{born-digital}',
    method: 'GET',
    path: () => `/ingests/${bornDigitalIngest}`,
    expected: { admin: 200, readDigitised: 404, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'POST /ingests/{digitised}/action',
    method: 'POST',
    path: () => `/ingests/${digitisedIngest}/action`,
    init: () => json({ action: 'cancel' }),
    expected: { admin: 409, readDigitised: 403, ingestBornDigital: 404, none: 401 },
  },
  {
    name: 'GET /bags?space=digitised',
    method: 'GET',
    path: () => '/bags?space=digitised',
    expected: { admin: 200, readDigitised: 200, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'GET /bags?space=born-digital',
    method: 'GET',
    path: () => '/bags?space=born-digital',
    expected: { admin: 200, readDigitised: 404, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'GET /bags/digitised/{bag}/versions',
    method: 'GET',
    path: () => '/bags/digitised/matrix-d/versions',
    expected: { admin: 200, readDigitised: 200, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'GET /bags/born-digital/{bag}/versions',
    method: 'GET',
    path: () => '/bags/born-digital/matrix-b/versions',
    expected: { admin: 200, readDigitised: 404, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'POST /carts/{new} (digitised file)',
    method: 'POST',
    path: () => `/carts/${randomUUID()}`,
    init: cartOf(() => digitisedFile),
    expected: { admin: 201, readDigitised: 201, ingestBornDigital: 403, none: 401 },
  },
  {
    name: 'POST /carts/{new} (born-digital file)',
    method: 'POST',
    path: () => `/carts/${randomUUID()}`,
    init: cartOf(() => bornDigitalFile),
    expected: { admin: 201, readDigitised: 400, ingestBornDigital: 403, none: 401 },
  },
  {
    name: "HEAD /carts/{admin's}",
    method: 'HEAD',
    path: () => `/carts/${adminCart}`,
    expected: { admin: 204, readDigitised: 404, ingestBornDigital: 403, none: 401 },
  },
  {
    name: "GET /carts/{admin's}",
    method: 'GET',
    path: () => `/carts/${adminCart}`,
    expected: { admin: 302, readDigitised: 404, ingestBornDigital: 403, none: 401 },
  },
  // Admin last: its DELETE removes the cart.
  {
    name: "DELETE /carts/{admin's}",
    method: 'DELETE',
    path: () => `/carts/${adminCart}`,
    expected: { none: 401, ingestBornDigital: 403, readDigitised: 404, admin: 200 },
  },
];

describe('routes × callers', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const answered: Partial<Record<Caller, number>> = {};
    // In the row's order: the admin's DELETE comes last, after the others were refused.
    for (const caller of Object.keys(row.expected) as Caller[]) {
      const response = await stack.api(row.path(), {
        method: row.method,
        redirect: 'manual',
        ...(row.init?.() ?? {}),
        key: caller === 'none' ? null : keys[caller],
      });
      answered[caller] = response.status;
      await response.arrayBuffer().catch(() => undefined);
    }
    expect(answered).toEqual(row.expected);
  });
});
