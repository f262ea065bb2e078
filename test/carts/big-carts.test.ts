/**
 * Carts of up to 100,000 files (issue 11 item 4, SPEC §2) over HTTP against the local stack: a
 * gzip-compressed body passes the gateway's 10 MB limit, and the ids of a cart too large to look up
 * within one API call are looked up by the workflow (Resolving), bad ones ending the cart in `error`.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDS_CHECKED_ON_POST } from '../../lambdas/carts/create-cart.ts';
import { MAX_CART_FILES } from '../../lambdas/carts/cart-request.ts';
import { MAX_DECODED_BODY_BYTES } from '../../lambdas/http/content-encoding.ts';
import { MAX_BODY_BYTES } from '../../local/http-gateway.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { cartStatus, downloadCart, type FileId, untar, waitForCart } from '../support/cart-client.ts';
import { storeBag, type StoredFile } from '../support/stored-bag.ts';

let stack: TestStack;
let files: StoredFile[];

beforeAll(async () => {
  stack = await startTestStack();
  ({ files } = await storeBag({
    externalIdentifier: 'big-cart',
    files: [
      { path: 'data/a.txt', content: 'alpha\n' },
      { path: 'data/b.txt', content: 'bravo bravo\n' },
      { path: 'data/c.txt', content: '' },
    ],
    algorithms: ['sha256', 'md5'],
  }));
});
afterAll(async () => {
  await stack?.destroy();
});

/** `count` entries drawing on the stored files in turn, each at its own path. */
function entries(count: number, hashtype = 'md5'): FileId[] {
  return Array.from({ length: count }, (_, index) => {
    const file = files[index % files.length] as StoredFile;
    const hashsum = hashtype === 'md5' ? (file.checksums.md5 as string) : '';
    return { id: file.id, path: `d${index % 97}/${index}-${file.path}`, hashtype, hashsum };
  });
}

/** POSTs a body gzip-compressed, as `curl --data-binary @cart.json.gz -H 'Content-Encoding: gzip'`. */
function postGzip(cartId: string, body: Uint8Array | string) {
  return stack.api(`/carts/${cartId}`, {
    method: 'POST',
    headers: { 'content-encoding': 'gzip' },
    body: gzipSync(body),
  });
}

async function errorOf(response: Response) {
  return { status: response.status, ...((await response.json()) as { description: string }) };
}

describe('gzip request bodies', () => {
  it('accepts a 100,000-file cart whose JSON is over the 10 MB limit, and names its bad id in the cart error', async () => {
    const fileids = entries(MAX_CART_FILES);
    const unknown = 'digitised/big-cart/v1/data/not-there.txt';
    fileids[MAX_CART_FILES - 1] = { ...(fileids[MAX_CART_FILES - 1] as FileId), id: unknown };
    const json = JSON.stringify({ fileids });
    expect(json.length).toBeGreaterThan(MAX_BODY_BYTES);

    const plain = await stack.api(`/carts/${randomUUID()}`, { method: 'POST', body: Buffer.from(json) });
    expect(plain.status).toBe(413);

    const cartId = randomUUID();
    const response = await postGzip(cartId, json);
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await waitForCart(stack, cartId)).toMatchObject({
      status: 'error',
      message: `No stored file with these ids in your spaces: ${unknown}`,
    });
  });

  it('bundles a cart resolved by the workflow, every entry at its path', async () => {
    const count = IDS_CHECKED_ON_POST + 1;
    const cartId = randomUUID();
    const response = await postGzip(cartId, JSON.stringify({ fileids: entries(count) }));
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await waitForCart(stack, cartId, undefined, 60_000)).toMatchObject({ status: 'ready' });
    const bundle = await untar((await downloadCart(stack, cartId)).bytes);
    expect(bundle.size).toBe(count);
    entries(count).forEach((entry, index) => {
      const file = files[index % files.length] as StoredFile;
      expect(bundle.get(entry.path)?.equals(file.content as Buffer), entry.path).toBe(true);
    });
  });

  it('refuses a gzip bomb with 413 and the service goes on', async () => {
    const bomb = Buffer.alloc(MAX_DECODED_BODY_BYTES + 1024 * 1024, 0x20);
    const response = await postGzip(randomUUID(), bomb);
    expect(await errorOf(response)).toMatchObject({
      status: 413,
      description: `The request body decompresses to more than ${MAX_DECODED_BODY_BYTES / 1024 / 1024} MB.`,
    });
    const cartId = randomUUID();
    expect((await postGzip(cartId, JSON.stringify({ fileids: entries(2) }))).status).toBe(201);
    expect(await waitForCart(stack, cartId)).toEqual({ httpStatus: 204, status: 'ready', message: '' });
  });

  it('refuses a body that is not gzip (400) and an encoding it cannot undo (415)', async () => {
    const notGzip = await stack.api(`/carts/${randomUUID()}`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: Buffer.from(JSON.stringify({ fileids: entries(1) })),
    });
    expect(await errorOf(notGzip)).toMatchObject({
      status: 400,
      description: 'The request body is not valid gzip data.',
    });
    const brotli = await stack.api(`/carts/${randomUUID()}`, {
      method: 'POST',
      headers: { 'content-encoding': 'br' },
      body: Buffer.from('whatever'),
    });
    expect(await errorOf(brotli)).toMatchObject({ status: 415 });
  });
});

describe('bad ids found by the workflow', () => {
  it('names as many bad ids as the error holds, then how many more', async () => {
    const count = IDS_CHECKED_ON_POST + 500;
    const fileids = entries(count).map((entry, index) =>
      index % 2 === 0 ? entry : { ...entry, id: `digitised/big-cart/v1/data/${'x'.repeat(200)}-${index}` },
    );
    const cartId = randomUUID();
    expect((await postGzip(cartId, JSON.stringify({ fileids }))).status).toBe(201);
    const { status, message } = await waitForCart(stack, cartId);
    expect(status).toBe('error');
    const bad = fileids.filter((_, index) => index % 2 === 1).map((entry) => entry.id);
    expect(message).toMatch(/^No stored file with these ids in your spaces: /);
    expect(message).toContain(bad[0]);
    expect(message).toMatch(new RegExp(` and ${bad.length - (message!.match(/-\d+/g) ?? []).length} more$`));
    expect(message!.length).toBeLessThanOrEqual(1000);
    expect((await cartStatus(stack, cartId)).httpStatus).toBe(204);
  });
});

describe('a file list uploaded to S3', () => {
  async function uploadList(cartId: string, body: unknown, key?: string) {
    const response = await stack.api(`/carts/${cartId}/file-list`, {
      method: 'POST',
      ...(key ? { key } : {}),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    const { fileList, url } = (await response.json()) as { fileList: string; url: string };
    const put = await fetch(url, { method: 'PUT', body: Buffer.from(JSON.stringify(body)) });
    expect(put.status).toBe(200);
    return fileList;
  }

  const postList = (cartId: string, fileList: unknown, key?: string) =>
    stack.api(`/carts/${cartId}`, {
      method: 'POST',
      body: Buffer.from(JSON.stringify({ fileList })),
      ...(key ? { key } : {}),
    });

  it('bundles the cart its list names, validated and resolved by the workflow', async () => {
    const cartId = randomUUID();
    const fileids = entries(30, 'sha256').map((entry, index) => ({
      ...entry,
      hashsum: files[index % files.length]!.checksums.sha256 as string,
    }));
    const fileList = await uploadList(cartId, { fileids });
    expect((await postList(cartId, fileList)).status).toBe(201);
    expect(await waitForCart(stack, cartId)).toMatchObject({ status: 'ready' });
    const bundle = await untar((await downloadCart(stack, cartId)).bytes);
    expect([...bundle.keys()].sort()).toEqual(fileids.map((entry) => entry.path).sort());
  });

  it('ends the cart in error naming a bad entry of the list', async () => {
    const cartId = randomUUID();
    const fileids = entries(5);
    fileids[3] = { ...(fileids[3] as FileId), path: '../escape' };
    const fileList = await uploadList(cartId, { fileids });
    expect((await postList(cartId, fileList)).status).toBe(201);
    const { status, message } = await waitForCart(stack, cartId);
    expect(status).toBe('error');
    expect(message).toMatch(/\.fileids\[3\]\.path/);
  });

  it("refuses a list key that is not the caller's own for this cart id, before reading it", async () => {
    const cartId = randomUUID();
    const fileList = await uploadList(cartId, { fileids: entries(2) });
    for (const [target, key] of [
      [randomUUID(), fileList],
      [cartId, fileList.replace('/admin/', '/someone/')],
      [cartId, 'requests/admin/x.json'],
      [cartId, 42],
    ] as const) {
      const response = await postList(target, key);
      expect(await errorOf(response), String(key)).toMatchObject({ status: 400 });
    }
    const notUploaded = fileList.replace(/[0-9a-f-]{36}\.json$/, `${randomUUID()}.json`);
    expect(await errorOf(await postList(cartId, notUploaded))).toMatchObject({
      status: 400,
      description: `Invalid value at .fileList: nothing was uploaded to ${notUploaded}.`,
    });
  });
});
