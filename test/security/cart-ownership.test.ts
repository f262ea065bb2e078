/**
 * SPEC §5.5: cart ids are scoped to the user who created them. Two users may hold the same id, each
 * sees only its own, and another user's cart is invisible (404, never a 409 that reveals it).
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../lambdas/auth/api-key-repository.ts';
import { s3 } from '../../lambdas/aws-clients.ts';
import { config } from '../../lambdas/config.ts';
import { postCart, untar, waitForCart } from '../support/cart-client.ts';
import { storeBag, type StoredFile } from '../support/stored-bag.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
let files: StoredFile[];
const keys: Record<'alice' | 'bob' | 'carol', string> = { alice: '', bob: '', carol: '' };

beforeAll(async () => {
  stack = await startTestStack();
  ({ files } = await storeBag({
    files: [
      { path: 'data/alice.txt', content: 'for alice\n' },
      { path: 'data/bob.txt', content: 'for bob\n' },
    ],
  }));
  for (const user of ['alice', 'bob', 'carol'] as const)
    ({ apiKey: keys[user] } = await createApiKey({ user, spaces: ['digitised'], roles: ['read'] }));
});
afterAll(async () => {
  await stack?.destroy();
});

const fileids = (file: StoredFile) => ({
  fileids: [{ id: file.id, path: file.path, hashtype: 'sha256', hashsum: '' }],
});
const head = (cartId: string, key: string) => stack.api(`/carts/${cartId}`, { method: 'HEAD', key });

async function readyCartOf(user: keyof typeof keys, cartId: string, file: StoredFile) {
  const response = await postCart(stack, cartId, fileids(file), keys[user]);
  expect(response.status, await response.clone().text()).toBe(201);
  expect(await waitForCart(stack, cartId, undefined, undefined, keys[user])).toMatchObject({
    status: 'ready',
  });
}

async function membersOf(cartId: string, key: string) {
  const response = await stack.api(`/carts/${cartId}`, { key, redirect: 'manual' });
  expect(response.status).toBe(302);
  const bundle = await fetch(response.headers.get('location')!);
  return [...(await untar(new Uint8Array(await bundle.arrayBuffer()))).keys()];
}

describe('two users with the same cart id', () => {
  const cartId = randomUUID();

  beforeAll(async () => {
    await readyCartOf('alice', cartId, files[0]!);
    await readyCartOf('bob', cartId, files[1]!);
  });

  it('each get their own cart and their own bundle', async () => {
    expect(await membersOf(cartId, keys.alice)).toEqual(['data/alice.txt']);
    expect(await membersOf(cartId, keys.bob)).toEqual(['data/bob.txt']);
  });

  it('keep their bundles under their own keys in the bundle bucket', async () => {
    for (const user of ['alice', 'bob']) {
      const listed = await s3().send(
        new ListObjectsV2Command({ Bucket: config().bundleBucket, Prefix: `bundles/${user}/${cartId}/` }),
      );
      expect(listed.Contents?.length, user).toBe(1);
    }
  });

  it('answer 409 only to the owner posting its own live id again', async () => {
    expect((await postCart(stack, cartId, fileids(files[0]!), keys.alice)).status).toBe(409);
  });

  it('leave the other user’s cart alone when one deletes its own', async () => {
    const deleted = await stack.api(`/carts/${cartId}`, { method: 'DELETE', key: keys.bob });
    expect(deleted.status).toBe(200);
    expect((await head(cartId, keys.bob)).status).toBe(404);
    expect((await head(cartId, keys.alice)).headers.get('x-pacifica-status')).toBe('ready');
    expect(await membersOf(cartId, keys.alice)).toEqual(['data/alice.txt']);
  });
});

describe('another user’s cart', () => {
  const cartId = randomUUID();

  beforeAll(async () => {
    await readyCartOf('alice', cartId, files[0]!);
  });

  it('is invisible to HEAD, GET and DELETE of a read user, even an admin (404)', async () => {
    for (const key of [keys.carol, stack.adminKey]) {
      for (const method of ['HEAD', 'GET', 'DELETE'])
        expect((await stack.api(`/carts/${cartId}`, { method, key })).status, method).toBe(404);
    }
  });

  it('is not deleted by another read user', async () => {
    await stack.api(`/carts/${cartId}`, { method: 'DELETE', key: keys.carol });
    expect((await head(cartId, keys.alice)).headers.get('x-pacifica-status')).toBe('ready');
    expect(await membersOf(cartId, keys.alice)).toEqual(['data/alice.txt']);
  });

  it('does not stop another user taking the same id (no 409 that would reveal it)', async () => {
    expect((await postCart(stack, cartId, fileids(files[1]!), keys.carol)).status).toBe(201);
    expect(await waitForCart(stack, cartId, undefined, undefined, keys.carol)).toMatchObject({
      status: 'ready',
    });
  });
});
