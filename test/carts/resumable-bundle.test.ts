/**
 * A bundle too big for one Lambda invocation: the Bundling task stops between two files, keeps a
 * checkpoint in the bundle bucket, and the next invocation goes on. Here every invocation is given no
 * time at all, so each writes a single file; the result must be the same tar, byte for byte.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../../lambdas/aws-clients.ts';
import { bundleCart } from '../../lambdas/carts/bundle-cart.ts';
import { writeBundle, type WriteBundleResult } from '../../lambdas/carts/bundle-writer.ts';
import type { CartFile } from '../../lambdas/carts/cart-file.ts';
import { bundleKeyOf, filesKeyOf, requestKeyOf } from '../../lambdas/carts/cart-objects.ts';
import { insertCart, findLiveCart } from '../../lambdas/carts/cart-repository.ts';
import { config } from '../../lambdas/config.ts';
import { storageLocations } from '../../lambdas/storage/locations.ts';
import { putJson } from '../../lambdas/storage/s3-objects.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { untar } from '../support/cart-client.ts';
import { storeBag, type StoredFile } from '../support/stored-bag.ts';

const MiB = 1024 * 1024;
let stack: TestStack;
let stored: StoredFile[];
let files: CartFile[];

beforeAll(async () => {
  stack = await startTestStack();
  // Sizes that leave parts half full at file boundaries, so the unfinished part travels too.
  ({ files: stored } = await storeBag({
    files: [
      { path: 'data/one.bin', content: randomBytes(7 * MiB + 5) },
      { path: 'data/two.txt', content: 'between the big ones\n' },
      { path: 'data/three.bin', content: randomBytes(3 * MiB) },
      { path: 'data/four.bin', content: randomBytes(6 * MiB + 511) },
      { path: `data/${'long-name-'.repeat(12)}.txt`, content: randomBytes(1000) },
    ],
  }));
  files = stored.map((file) => ({
    id: file.id,
    space: file.space,
    key: file.id,
    path: `out/${file.path}`,
    size: file.size,
    hashtype: 'sha256',
    expected: file.checksums.sha256,
    fixity: { hashtype: 'sha256', digest: file.checksums.sha256 as string },
  }));
});
afterAll(async () => {
  await stack?.destroy();
});

async function objectBytes(key: string) {
  const { Body } = await s3().send(new GetObjectCommand({ Bucket: config().bundleBucket, Key: key }));
  return Buffer.from(await Body!.transformToByteArray());
}

describe('a bundle written over several invocations', () => {
  it('is byte-identical to the same bundle written at once', async () => {
    const target = (key: string) => ({ bucket: config().bundleBucket, key });
    const common = {
      files,
      locations: storageLocations(),
      mtime: 1_700_000_000,
      preferredPartBytes: 5 * MiB,
    };
    const whole = `bundles/test/${randomUUID()}.tar`;
    await writeBundle({ ...common, target: target(whole) });

    const pieces = `bundles/test/${randomUUID()}.tar`;
    let result: WriteBundleResult = await writeBundle({ ...common, target: target(pieces), deadline: 0 });
    let invocations = 1;
    while (!result.complete) {
      const { checkpoint, carry } = result;
      expect(carry.length).toBeLessThan(checkpoint.partSize);
      result = await writeBundle({
        ...common,
        target: target(pieces),
        deadline: 0,
        resume: { checkpoint, carry },
      });
      invocations++;
    }
    expect(invocations).toBe(files.length);
    expect((await objectBytes(pieces)).equals(await objectBytes(whole))).toBe(true);
  });

  it('goes through the Bundling task again and again until the cart is ready, leaving no checkpoint', async () => {
    const cartId = randomUUID();
    const executionName = `${cartId}-test`;
    const cart = { user: 'admin', cartId, executionName };
    const now = new Date().toISOString();
    await insertCart({
      cartId,
      status: 'staging',
      message: '',
      executionName,
      requestKey: requestKeyOf(cart),
      bundleKey: bundleKeyOf(cart),
      user: 'admin',
      spaces: ['digitised'],
      fileCount: files.length,
      bytes: files.reduce((sum, file) => sum + file.size, 0),
      createdDate: now,
      lastModifiedDate: now,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    await putJson(config().bundleBucket, filesKeyOf(cart), files);

    const outputs = [];
    for (let round = 0; round < 10; round++) {
      const output = await bundleCart(cart, 0);
      outputs.push(output);
      if (output.done) break;
    }
    expect(outputs.map((output) => output.done)).toEqual([false, false, false, false, true]);
    expect((await findLiveCart(cart))?.status).toBe('ready');
    const members = await untar(await objectBytes(bundleKeyOf(cart)));
    for (const file of stored)
      expect(members.get(`out/${file.path}`)?.equals(file.content as Buffer)).toBe(true);
    const left = await s3().send(
      new ListObjectsV2Command({ Bucket: config().bundleBucket, Prefix: `checkpoints/admin/${cartId}/` }),
    );
    expect(left.Contents ?? []).toEqual([]);
  });
});
