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
import { loadCheckpoint } from '../../lambdas/carts/bundle-checkpoint.ts';
import { writeBundle, type WriteBundleResult } from '../../lambdas/carts/bundle-writer.ts';
import type { CartFile } from '../../lambdas/carts/cart-file.ts';
import { bundleKeyOf, filesKeyOf, requestKeyOf } from '../../lambdas/carts/cart-objects.ts';
import { insertCart, findLiveCart } from '../../lambdas/carts/cart-repository.ts';
import { config } from '../../lambdas/config.ts';
import { storageLocations } from '../../lambdas/storage/locations.ts';
import { putJson } from '../../lambdas/storage/s3-objects.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { untar } from '../support/cart-client.ts';
import { flipByte } from '../fixity/fixity-fixture.ts';
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

const target = (key: string) => ({ bucket: config().bundleBucket, key });

/** What every bundle here shares (read once the stack's settings are in place). */
const bundleOptions = () => ({
  files,
  locations: storageLocations(),
  mtime: 1_700_000_000,
  preferredPartBytes: 5 * MiB,
});

describe('a bundle written over several invocations', () => {
  it('is byte-identical to the same bundle written at once', async () => {
    const common = bundleOptions();
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

  it('goes on inside a file: the stream position and the running digests travel in the checkpoint', async () => {
    const common = bundleOptions();
    const whole = `bundles/test/${randomUUID()}.tar`;
    await writeBundle({ ...common, target: target(whole) });

    // Every file may be cut, and no invocation has time: each sends one part and stops.
    const pieces = `bundles/test/${randomUUID()}.tar`;
    const cut = { ...common, target: target(pieces), deadline: 0, resumableFileBytes: 0 };
    let result: WriteBundleResult = await writeBundle(cut);
    const offsets: number[] = [];
    while (!result.complete) {
      // Through JSON, as the checkpoint goes through S3 between two invocations.
      const checkpoint = JSON.parse(JSON.stringify(result.checkpoint)) as typeof result.checkpoint;
      if (checkpoint.inFile) offsets.push(checkpoint.inFile.verifier.bytes);
      result = await writeBundle({ ...cut, resume: { ...result, checkpoint } });
    }
    // one.bin (7 MiB) is cut after its first part: the next invocation starts inside it.
    expect(offsets[0]).toBeGreaterThan(4 * MiB);
    expect(offsets[0]).toBeLessThan(files[0]!.size);
    expect(offsets.length).toBeGreaterThanOrEqual(2);
    expect((await objectBytes(pieces)).equals(await objectBytes(whole))).toBe(true);
  });

  it('starts a file cut across invocations again from another copy when its copy proves bad at the end', async () => {
    const content = randomBytes(12 * MiB + 3);
    const {
      files: [rotting],
    } = await storeBag({
      externalIdentifier: `rotting-${randomUUID()}`,
      files: [{ path: 'data/rotting.bin', content }],
      replicated: true,
    });
    // The primary copy differs only in its last byte: its first parts pass, its digest fails.
    await flipByte(stack, stack.buckets.primary, rotting!.id, content.length - 1);
    const file: CartFile = {
      id: rotting!.id,
      space: rotting!.space,
      key: rotting!.id,
      path: 'rotting.bin',
      size: content.length,
      hashtype: 'sha256',
      fixity: { hashtype: 'sha256', digest: rotting!.checksums.sha256 as string },
    };
    const key = `bundles/test/${randomUUID()}.tar`;
    const cut = {
      files: [file],
      locations: storageLocations(),
      mtime: 1_700_000_000,
      preferredPartBytes: 5 * MiB,
      target: { bucket: config().bundleBucket, key },
      deadline: 0,
      resumableFileBytes: 0,
    };
    let result: WriteBundleResult = await writeBundle(cut);
    const readFrom: string[] = [];
    while (!result.complete) {
      readFrom.push(result.checkpoint.inFile?.location ?? '-');
      result = await writeBundle({ ...cut, resume: result });
    }
    expect(readFrom[0]).toBe('primary');
    expect(readFrom.at(-1)).not.toBe('primary');
    const members = await untar(await objectBytes(key));
    expect(members.get('rotting.bin')?.equals(content)).toBe(true);
  });

  async function stagedCart() {
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
    return cart;
  }

  async function expectReadyWithoutCheckpoint(cart: { user: string; cartId: string; executionName: string }) {
    expect((await findLiveCart(cart))?.status).toBe('ready');
    const members = await untar(await objectBytes(bundleKeyOf(cart)));
    for (const file of stored)
      expect(members.get(`out/${file.path}`)?.equals(file.content as Buffer)).toBe(true);
    const left = await s3().send(
      new ListObjectsV2Command({
        Bucket: config().bundleBucket,
        Prefix: `checkpoints/admin/${cart.cartId}/`,
      }),
    );
    expect(left.Contents ?? []).toEqual([]);
  }

  it('goes through the Bundling task again and again until the cart is ready, leaving no checkpoint', async () => {
    const cart = await stagedCart();
    const outputs = [];
    for (let round = 0; round < 10; round++) {
      const output = await bundleCart(cart, 0);
      outputs.push(output);
      if (output.done) break;
    }
    expect(outputs.map((output) => output.done)).toEqual([false, false, false, false, true]);
    await expectReadyWithoutCheckpoint(cart);
  });

  it('keeps a checkpoint inside a file in the bundle bucket between two Bundling invocations', async () => {
    const cart = await stagedCart();
    const insideAt: number[] = [];
    for (let round = 0; round < 30; round++) {
      const output = await bundleCart(cart, 0, 0);
      if (output.done) break;
      const { checkpoint } = (await loadCheckpoint(cart))!;
      if (checkpoint.inFile) insideAt.push(checkpoint.inFile.verifier.bytes);
    }
    expect(insideAt.length).toBeGreaterThan(0);
    await expectReadyWithoutCheckpoint(cart);
  });
});
