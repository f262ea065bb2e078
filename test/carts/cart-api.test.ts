import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { downloadCart, postCart, untar, waitForCart } from './cart-client.ts';
import { storeBag, type StoredFile } from './stored-bag-fixture.ts';

let stack: TestStack;
let files: StoredFile[];

beforeAll(async () => {
  stack = await startTestStack();
  files = await storeBag({
    files: [
      { path: 'data/a.txt', content: 'hello cart\n' },
      { path: 'data/sub/b.bin', content: randomBytes(3 * 1024 * 1024 + 17) },
      { path: 'data/empty.txt', content: '' },
    ],
    algorithms: ['sha256', 'md5'],
  });
});
afterAll(async () => {
  await stack?.destroy();
});

describe('carts', () => {
  it('bundles the files at their paths', async () => {
    const cartId = randomUUID();
    const response = await postCart(stack, cartId, {
      fileids: files.map((file, index) => ({
        id: file.id,
        path: `x/${index}/${file.path}`,
        hashtype: 'md5',
        hashsum: '',
      })),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toEqual({ message: 'Cart Processing has begun' });
    const state = await waitForCart(stack, cartId);
    expect(state).toMatchObject({ httpStatus: 204, status: 'ready', message: '' });
    const { bytes } = await downloadCart(stack, cartId, '?filename=my_cart.tar');
    const members = await untar(bytes);
    expect([...members.keys()].sort()).toEqual(files.map((file, index) => `x/${index}/${file.path}`).sort());
    files.forEach((file, index) =>
      expect(members.get(`x/${index}/${file.path}`)?.equals(file.content as Buffer)).toBe(true),
    );
  });
});
