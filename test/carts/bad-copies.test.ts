/**
 * Carts through the local stack when a stored copy rots on disk (issue 9, "reads prefer good copies"):
 * the bundle is built from a copy that matches the storage manifest, and only when no location has
 * one does the cart end in error. The bundle is checked with GNU tar, as a user unpacks it.
 */
import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipByte } from '../fixity/fixity-fixture.ts';
import { downloadCart, postCart, waitForCart } from '../support/cart-client.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';
import { storeBag, type StoredFile } from '../support/stored-bag.ts';

const run = promisify(execFile);
let stack: TestStack;
let work: string;

beforeAll(async () => {
  stack = await startTestStack();
  work = await mkdtemp(join(tmpdir(), 'bagvault-bad-copies-'));
});
afterAll(async () => {
  await stack?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A bag in the primary and the replica location, as Replicate and Register leave it. */
async function replicatedBag(files: { path: string; content: Buffer }[]): Promise<StoredFile[]> {
  const { files: stored } = await storeBag({ files });
  for (const file of stored) {
    await localS3(stack).send(
      new CopyObjectCommand({
        Bucket: stack.buckets.replica,
        Key: file.id,
        CopySource: `${stack.buckets.primary}/${file.id.split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
  }
  return stored;
}

/** Posts a cart of these files at their bag paths with empty hashsums: the manifest's digest decides. */
async function cartOf(files: StoredFile[]) {
  const cartId = randomUUID();
  const fileids = files.map((file) => ({ id: file.id, path: file.path, hashtype: 'sha256', hashsum: '' }));
  expect((await postCart(stack, cartId, { fileids })).status).toBe(201);
  return { cartId, state: await waitForCart(stack, cartId) };
}

describe('a cart of a file whose primary copy rotted', () => {
  const small = Buffer.from('a page that rots in the primary location\n');
  const large = randomBytes(2 * 1024 * 1024 + 5);

  it('becomes ready with the bytes of the replica copy that matches the manifest', async () => {
    const stored = await replicatedBag([
      { path: 'data/small.txt', content: small },
      { path: 'data/large.bin', content: large },
    ]);
    for (const file of stored) await flipByte(stack, stack.buckets.primary, file.id, 7);

    const { cartId, state } = await cartOf(stored);
    expect(state).toMatchObject({ status: 'ready', message: '' });
    const tarFile = join(work, `${cartId}.tar`);
    await writeFile(tarFile, (await downloadCart(stack, cartId)).bytes);
    const out = await mkdtemp(join(work, 'out-'));
    await run('tar', ['-xf', tarFile, '-C', out]);
    expect((await readFile(join(out, 'data/small.txt'))).equals(small)).toBe(true);
    expect((await readFile(join(out, 'data/large.bin'))).equals(large)).toBe(true);
  });

  it('ends in error with the mismatch when every copy rotted', async () => {
    const [stored] = await replicatedBag([{ path: 'data/lost.txt', content: small }]);
    for (const bucket of [stack.buckets.primary, stack.buckets.replica])
      await flipByte(stack, bucket, stored!.id, 3);

    const { state } = await cartOf([stored!]);
    expect(state).toMatchObject({
      status: 'error',
      message: `File hash does not match provided hash: ${stored!.id}`,
    });
  });
});
