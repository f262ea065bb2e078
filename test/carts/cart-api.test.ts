/** SPEC §5.5 over HTTP against the local stack: the cart lifecycle, refusals, deletion and expiry. */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../lambdas/auth/api-key-repository.ts';
import { dynamo, s3 } from '../../lambdas/aws-clients.ts';
import { findLiveCart } from '../../lambdas/carts/cart-repository.ts';
import { config } from '../../lambdas/config.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import {
  cartStatus,
  downloadCart,
  type FileId,
  postCart,
  untar,
  waitForCart,
} from '../support/cart-client.ts';
import { storeBag, type StoredFile } from '../support/stored-bag.ts';

let stack: TestStack;
let files: StoredFile[];
let bornDigital: StoredFile[];
/** A key that may read only the born-digital space. */
let bornDigitalKey: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ files } = await storeBag({
    files: [
      { path: 'data/a.txt', content: 'hello cart\n' },
      { path: 'data/sub/b.bin', content: randomBytes(3 * 1024 * 1024 + 17) },
      { path: 'data/empty.txt', content: '' },
    ],
    algorithms: ['sha256', 'md5'],
  }));
  ({ files: bornDigital } = await storeBag({
    space: 'born-digital',
    files: [{ path: 'data/mail.eml', content: 'From: a\n' }],
  }));
  ({ apiKey: bornDigitalKey } = await createApiKey({
    user: 'bd-reader',
    spaces: ['born-digital'],
    roles: ['read'],
  }));
});
afterAll(async () => {
  await stack?.destroy();
});

const entry = (file: StoredFile, path = file.path, hashtype = 'sha256', hashsum = ''): FileId => ({
  id: file.id,
  path,
  hashtype,
  hashsum,
});

async function readyCart(fileids: FileId[], cartId: string = randomUUID()) {
  const response = await postCart(stack, cartId, { fileids });
  expect(response.status, await response.clone().text()).toBe(201);
  expect(await waitForCart(stack, cartId)).toMatchObject({ status: 'ready' });
  return cartId;
}

async function bundleKeys(cartId: string) {
  const listed = await s3().send(
    new ListObjectsV2Command({ Bucket: config().bundleBucket, Prefix: `bundles/admin/${cartId}/` }),
  );
  return (listed.Contents ?? []).map((object) => object.Key);
}

async function errorOf(response: Response) {
  return { status: response.status, ...((await response.json()) as { description: string }) };
}

describe('a cart from POST to download', () => {
  it('answers 201, walks to ready, and bundles every file at its path', async () => {
    const cartId = randomUUID();
    const response = await postCart(stack, cartId, {
      fileids: files.map((file, index) => entry(file, `x/${index}/${file.path}`, 'md5')),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    expect(await response.json()).toEqual({ message: 'Cart Processing has begun' });
    expect(await waitForCart(stack, cartId)).toEqual({ httpStatus: 204, status: 'ready', message: '' });

    const { bytes, contentDisposition } = await downloadCart(stack, cartId, '?filename=my_cart.tar');
    expect(contentDisposition).toBe('attachment; filename="my_cart.tar"');
    const members = await untar(bytes);
    expect([...members.keys()].sort()).toEqual(files.map((file, index) => `x/${index}/${file.path}`).sort());
    files.forEach((file, index) =>
      expect(members.get(`x/${index}/${file.path}`)?.equals(file.content as Buffer)).toBe(true),
    );
  });

  it('names the download data_YYYY_MM_DD_HH_MM_SS.tar (UTC, now) by default', async () => {
    const cartId = await readyCart([entry(files[0]!)]);
    const before = Date.now();
    const { contentDisposition } = await downloadCart(stack, cartId);
    const match = /^attachment; filename="data_(\d{4})_(\d\d)_(\d\d)_(\d\d)_(\d\d)_(\d\d)\.tar"$/.exec(
      contentDisposition ?? '',
    );
    expect(match, contentDisposition ?? '').not.toBeNull();
    const [, year, month, day, hour, minute, second] = match!.map(Number);
    const named = Date.UTC(year!, month! - 1, day, hour, minute, second);
    expect(Math.abs(named - before)).toBeLessThan(5_000);
  });

  it('keeps only a safe file name from ?filename=', async () => {
    const cartId = await readyCart([entry(files[0]!)]);
    const query = `?filename=${encodeURIComponent('../../etc/my "cart";.tar')}`;
    const { contentDisposition } = await downloadCart(stack, cartId, query);
    expect(contentDisposition).toBe('attachment; filename="my _cart__.tar"');
  });

  it('accepts a 128-character cart id', async () => {
    await readyCart([entry(files[0]!)], 'c'.repeat(128));
  });

  it('answers 409 to a POST on a live cart id', async () => {
    const cartId = await readyCart([entry(files[0]!)]);
    const again = await postCart(stack, cartId, { fileids: [entry(files[1]!)] });
    expect(await errorOf(again)).toMatchObject({ status: 409, label: 'Conflict' });
  });
});

describe('deleting a cart', () => {
  it('answers 200, then 404 everywhere, and removes the bundle', async () => {
    const cartId = await readyCart([entry(files[0]!), entry(files[1]!)]);
    expect(await bundleKeys(cartId)).toHaveLength(1);
    const deleted = await stack.api(`/carts/${cartId}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ message: 'Cart Deleted Successfully' });
    expect((await cartStatus(stack, cartId)).httpStatus).toBe(404);
    expect((await stack.api(`/carts/${cartId}`)).status).toBe(404);
    expect((await stack.api(`/carts/${cartId}`, { method: 'DELETE' })).status).toBe(404);
    expect(await bundleKeys(cartId)).toEqual([]);
  });

  it('stops a cart while it is bundling: no bundle is left behind', async () => {
    const { files: big } = await storeBag({
      files: Array.from({ length: 8 }, (_, index) => ({
        path: `data/big-${index}.bin`,
        content: randomBytes(16 << 20),
      })),
    });
    const cartId = randomUUID();
    expect((await postCart(stack, cartId, { fileids: big.map((file) => entry(file)) })).status).toBe(201);
    const seen = await waitForCart(stack, cartId, (status) => status === 'bundling' || status === 'ready');
    expect(seen.status).toBe('bundling');
    expect((await stack.api(`/carts/${cartId}`, { method: 'DELETE' })).status).toBe(200);
    // The task notices at its next part (within a second) and aborts its multipart upload.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await bundleKeys(cartId)).toEqual([]);
    expect((await cartStatus(stack, cartId)).httpStatus).toBe(404);
  });

  it('lets the id be used again', async () => {
    const cartId = await readyCart([entry(files[0]!)]);
    expect((await stack.api(`/carts/${cartId}`, { method: 'DELETE' })).status).toBe(200);
    await readyCart([entry(files[1]!)], cartId);
    const members = await untar((await downloadCart(stack, cartId)).bytes);
    expect([...members.keys()]).toEqual([files[1]!.path]);
  });
});

describe('unknown and expired carts', () => {
  it('answers 404 to HEAD, GET and DELETE of an unknown cart', async () => {
    for (const method of ['HEAD', 'GET', 'DELETE']) {
      expect((await stack.api(`/carts/${randomUUID()}`, { method })).status, method).toBe(404);
    }
  });

  it('sets the expiry from the configured cart lifetime (default 7 days) in the TTL attribute', async () => {
    const cartId = await readyCart([entry(files[0]!)]);
    const record = await findLiveCart({ user: 'admin', cartId });
    const expected = Math.floor(Date.now() / 1000) + 7 * 24 * 3600;
    expect(Math.abs((record?.expiresAt ?? 0) - expected)).toBeLessThan(60);
  });

  it('treats a cart past its expiry as gone, and lets its id be reused', async () => {
    const cartId = await readyCart([entry(files[0]!)]);
    // DynamoDB's TTL deletes lazily (dynalite never does): the API must not wait for it.
    await dynamo().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: { pk: `CART#admin#${cartId}`, sk: 'CART' },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );
    for (const method of ['HEAD', 'GET', 'DELETE']) {
      expect((await stack.api(`/carts/${cartId}`, { method })).status, method).toBe(404);
    }
    await readyCart([entry(files[0]!)], cartId);
  });

  it('shows a cart only to keys that may read every space it draws from', async () => {
    const cartId = await readyCart([entry(files[0]!)]);
    expect((await cartStatus(stack, cartId, bornDigitalKey)).httpStatus).toBe(404);
    expect((await stack.api(`/carts/${cartId}`, { method: 'DELETE', key: bornDigitalKey })).status).toBe(404);

    const own = randomUUID();
    expect((await postCart(stack, own, { fileids: [entry(bornDigital[0]!)] }, bornDigitalKey)).status).toBe(
      201,
    );
    expect(await waitForCart(stack, own, undefined, undefined, bornDigitalKey)).toMatchObject({
      status: 'ready',
    });
  });
});

describe('refusals', () => {
  it('refuses unknown ids and ids in other spaces alike, naming every one', async () => {
    const unknown = 'digitised/nothing-here/v1/data/x.txt';
    const response = await postCart(
      stack,
      randomUUID(),
      { fileids: [entry(bornDigital[0]!), { ...entry(files[0]!), id: unknown }, entry(files[1]!)] },
      bornDigitalKey,
    );
    const error = await errorOf(response);
    expect(error).toMatchObject({ status: 400, type: 'Error', label: 'Bad Request' });
    expect(error.description).toBe(
      `No stored file with these ids in your spaces: ${unknown}, ${files[1]!.id}`,
    );
  });

  it.each([
    [
      'a ".." segment',
      () => ({ fileids: [{ ...entry(files[0]!), path: 'a/../../etc/passwd' }] }),
      /\.fileids\[0\]\.path: must not contain "\." or "\.\." segments/,
    ],
    [
      'an absolute path',
      () => ({ fileids: [{ ...entry(files[0]!), path: '/etc/passwd' }] }),
      /\.fileids\[0\]\.path: must be relative/,
    ],
    [
      'an empty segment',
      () => ({ fileids: [{ ...entry(files[0]!), path: 'a//b' }] }),
      /\.fileids\[0\]\.path: must not contain empty segments/,
    ],
    [
      'a duplicate path',
      () => ({ fileids: [entry(files[0]!, 'same'), entry(files[1]!, 'same')] }),
      /Duplicate path at \.fileids\[1\]\.path: "same" is also the path of \.fileids\[0\]/,
    ],
    [
      'a file where a directory must be',
      () => ({ fileids: [entry(files[0]!, 'a'), entry(files[1]!, 'a/b')] }),
      /"a" is a file but other paths need it as a directory/,
    ],
    [
      'a bad hashtype',
      () => ({ fileids: [entry(files[0]!, 'a', 'crc32')] }),
      /\.fileids\[0\]\.hashtype: must be one of md5, sha1, sha256, sha512/,
    ],
    [
      'a hashsum of the wrong length',
      () => ({ fileids: [entry(files[0]!, 'a', 'md5', 'abc')] }),
      /\.fileids\[0\]\.hashsum: must be empty or a 32-character hex md5 digest/,
    ],
    [
      'an unknown field in an entry',
      () => ({ fileids: [{ ...entry(files[0]!), mode: 'rw' }] }),
      /Unknown field at \.fileids\[0\]\.mode/,
    ],
    [
      'an unknown top-level field',
      () => ({ fileids: [entry(files[0]!)], bundle: 'zip' }),
      /Unknown field at \.bundle/,
    ],
    ['no files', () => ({ fileids: [] }), /\.fileids: must be a non-empty list/],
  ])('refuses %s with 400', async (_name, body, description) => {
    const error = await errorOf(await postCart(stack, randomUUID(), body()));
    expect(error.status).toBe(400);
    expect(error.description).toMatch(description);
  });

  it('reports every problem at once, one per line', async () => {
    const body = { fileids: [entry(files[0]!, '../x', 'md4'), entry(files[1]!, 'ok', 'sha1', 'zz')] };
    const error = await errorOf(await postCart(stack, randomUUID(), body));
    expect(error.description.split('\n')).toHaveLength(3);
  });

  it('refuses an invalid cart id', async () => {
    const error = await errorOf(await postCart(stack, 'not%20valid', { fileids: [entry(files[0]!)] }));
    expect(error).toMatchObject({ status: 400 });
    expect(error.description).toMatch(/Invalid cart id/);
  });

  it('refuses an explicit non-JSON Content-Type with 415', async () => {
    const response = await stack.api(`/carts/${randomUUID()}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ fileids: [entry(files[0]!)] }),
    });
    expect(response.status).toBe(415);
  });
});

describe('a cart that cannot be bundled', () => {
  it('ends in error naming the file whose hash does not match, and is never downloadable', async () => {
    const cartId = randomUUID();
    const wrong = 'f'.repeat(64);
    const response = await postCart(stack, cartId, {
      fileids: [entry(files[0]!), entry(files[1]!, 'b', 'sha256', wrong)],
    });
    expect(response.status).toBe(201);
    expect(await waitForCart(stack, cartId)).toEqual({
      httpStatus: 204,
      status: 'error',
      message: `File hash does not match provided hash: ${files[1]!.id}`,
    });
    const download = await stack.api(`/carts/${cartId}`);
    expect(download.status).toBe(202);
    expect(await download.json()).toEqual({ message: 'The cart is not ready for download.' });
    expect(await bundleKeys(cartId)).toEqual([]);
  });

  it('ends in error when a stored object is missing from every location', async () => {
    const {
      files: [lost],
    } = await storeBag({
      files: [{ path: 'data/lost.txt', content: 'gone' }],
      missing: ['data/lost.txt'],
    });
    const cartId = randomUUID();
    expect((await postCart(stack, cartId, { fileids: [entry(lost!)] })).status).toBe(201);
    expect(await waitForCart(stack, cartId)).toMatchObject({
      status: 'error',
      message: `Stored file is not available in any storage location: ${lost!.id}`,
    });
  });
});
