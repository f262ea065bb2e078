/**
 * The bundle writer against the local stack's S3: many multipart parts, files read from a replica
 * when the primary copy is missing, and no object at all when a hash fails or the cart goes away.
 */
import { CopyObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { s3 } from '../../lambdas/aws-clients.ts';
import { writeBundle } from '../../lambdas/carts/bundle-writer.ts';
import type { CartFile } from '../../lambdas/carts/cart-file.ts';
import { config } from '../../lambdas/config.ts';
import { recordBadCopy } from '../../lambdas/fixity/copy-health.ts';
import { type StorageLocation, storageLocations } from '../../lambdas/storage/locations.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { untar } from '../support/cart-client.ts';
import { storeBag, type StoredFile } from '../support/stored-bag.ts';
import { flipByte } from '../fixity/fixity-fixture.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

const MiB = 1024 * 1024;

const cartFile = (stored: StoredFile, path = stored.path, overrides: Partial<CartFile> = {}): CartFile => ({
  id: stored.id,
  space: stored.space,
  key: stored.id,
  path,
  size: stored.size,
  hashtype: 'sha256',
  expected: stored.checksums.sha256,
  fixity: { hashtype: 'sha256', digest: stored.checksums.sha256 as string },
  ...overrides,
});

async function bundleExists(key: string) {
  try {
    await s3().send(new HeadObjectCommand({ Bucket: config().bundleBucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

async function bundleBytes(key: string) {
  const { Body } = await s3().send(new GetObjectCommand({ Bucket: config().bundleBucket, Key: key }));
  return Buffer.from(await Body!.transformToByteArray());
}

describe('writing a bundle', () => {
  it('streams files over many parts into one tar identical file by file', async () => {
    const { files: stored } = await storeBag({
      files: [
        ...Array.from({ length: 3 }, (_, i) => ({
          path: `data/big-${i}.bin`,
          content: randomBytes(6 * MiB + i),
        })),
        ...Array.from({ length: 50 }, (_, i) => ({
          path: `data/small/${i}.txt`,
          content: randomBytes(i * 37),
        })),
      ],
    });
    const key = `bundles/test/${randomUUID()}.tar`;
    const result = await writeBundle({
      files: stored.map((file) => cartFile(file, `out/${file.path}`)),
      locations: storageLocations(),
      target: { bucket: config().bundleBucket, key },
      preferredPartBytes: 5 * MiB,
    });
    const tar = await bundleBytes(key);
    const bytes = result.complete ? result.bytes : 0;
    expect(tar.length).toBe(bytes);
    expect(bytes).toBeGreaterThan(3 * 5 * MiB); // several parts
    const members = await untar(tar);
    expect(members.size).toBe(stored.length);
    for (const file of stored)
      expect(members.get(`out/${file.path}`)?.equals(file.content as Buffer)).toBe(true);
  });

  it('reads a replica when the primary copy is missing', async () => {
    const content = Buffer.from('kept safe in the replica\n');
    const {
      files: [stored],
    } = await storeBag({ files: [{ path: 'data/r.txt', content }], missing: ['data/r.txt'] });
    const replica = storageLocations()[1]!;
    await s3().send(new PutObjectCommand({ Bucket: replica.bucket, Key: stored!.id, Body: content }));
    const key = `bundles/test/${randomUUID()}.tar`;
    await writeBundle({
      files: [cartFile(stored!)],
      locations: storageLocations(),
      target: { bucket: config().bundleBucket, key },
    });
    expect((await untar(await bundleBytes(key))).get('data/r.txt')?.equals(content)).toBe(true);
  });

  it('leaves no bundle when a file does not have the expected hash', async () => {
    const { files: stored } = await storeBag({
      files: [
        { path: 'data/one.bin', content: randomBytes(6 * MiB) },
        { path: 'data/two.bin', content: randomBytes(1000) },
      ],
    });
    const key = `bundles/test/${randomUUID()}.tar`;
    const wrongMd5 = createHash('md5').update('something else').digest('hex');
    const files = [
      cartFile(stored[0]!),
      cartFile(stored[1]!, undefined, { hashtype: 'md5', expected: wrongMd5 }),
    ];
    await expect(
      writeBundle({ files, locations: storageLocations(), target: { bucket: config().bundleBucket, key } }),
    ).rejects.toThrow(`File hash does not match provided hash: ${stored[1]!.id}`);
    expect(await bundleExists(key)).toBe(false);
  });

  it('checks the storage manifest digest even when the client asked for another hash', async () => {
    const {
      files: [stored],
    } = await storeBag({ files: [{ path: 'data/x.txt', content: 'x' }] });
    const key = `bundles/test/${randomUUID()}.tar`;
    const files = [
      cartFile(stored!, undefined, {
        hashtype: 'md5',
        expected: undefined,
        fixity: { hashtype: 'sha256', digest: '0'.repeat(64) },
      }),
    ];
    await expect(
      writeBundle({ files, locations: storageLocations(), target: { bucket: config().bundleBucket, key } }),
    ).rejects.toThrow(`File hash does not match the storage manifest: ${stored!.id}`);
  });

  it('stops, leaving no bundle, when the cart is no longer wanted', async () => {
    const { files: stored } = await storeBag({
      files: Array.from({ length: 4 }, (_, i) => ({ path: `data/${i}.bin`, content: randomBytes(6 * MiB) })),
    });
    const key = `bundles/test/${randomUUID()}.tar`;
    let parts = 0;
    await expect(
      writeBundle({
        files: stored.map((file) => cartFile(file)),
        locations: storageLocations(),
        target: { bucket: config().bundleBucket, key },
        preferredPartBytes: 5 * MiB,
        stillWanted: async () => {
          if (++parts === 2) throw new Error('cart deleted');
        },
      }),
    ).rejects.toThrow('cart deleted');
    expect(await bundleExists(key)).toBe(false);
  });
});

describe('a copy that is not the stored file', () => {
  afterEach(() => vi.restoreAllMocks());

  /** storeBag writes the primary copies only; Replicate would have copied them. */
  async function replicate(files: StoredFile[]) {
    const [primary, replica] = storageLocations() as [StorageLocation, StorageLocation];
    for (const file of files) {
      await s3().send(
        new CopyObjectCommand({
          Bucket: replica.bucket,
          Key: file.id,
          CopySource: `${primary.bucket}/${file.id.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
    }
    return { primary, replica };
  }

  /** Which buckets GetObject has read `key` from, in order (a spy: the calls still reach the local S3). */
  function readsOf(key: string): () => string[] {
    const send = vi.spyOn(s3(), 'send');
    return () =>
      send.mock.calls
        .map(([command]) => command)
        .filter((command) => command instanceof GetObjectCommand && command.input.Key === key)
        .map((command) => (command as GetObjectCommand).input.Bucket as string);
  }

  it('reads a file whose primary copy failed its last fixity check from the replica that passed', async () => {
    const { files: stored } = await storeBag({ files: [{ path: 'data/p.txt', content: 'page\n' }] });
    const { replica } = await replicate(stored);
    await recordBadCopy(stored[0]!.id, 'primary', { runId: 'r', state: 'changed' });
    const reads = readsOf(stored[0]!.id);
    const key = `bundles/test/${randomUUID()}.tar`;
    await writeBundle({
      files: [cartFile(stored[0]!)],
      locations: storageLocations(),
      target: { bucket: config().bundleBucket, key },
    });
    expect(reads()).toEqual([replica.bucket]);
    expect((await untar(await bundleBytes(key))).get('data/p.txt')?.toString()).toBe('page\n');
  });

  it('rewrites a large file whose primary copy proves corrupt after parts of it were sent, from the replica', async () => {
    const { files: stored } = await storeBag({
      files: [
        { path: 'data/first.bin', content: randomBytes(3 * MiB) },
        { path: 'data/rotten.bin', content: randomBytes(7 * MiB) },
        { path: 'data/small.txt', content: 'after it\n' },
      ],
    });
    const { primary, replica } = await replicate(stored);
    // The last byte: the mismatch shows only once the file's first part has gone to S3.
    await flipByte(stack, primary.bucket, stored[1]!.id, 7 * MiB - 1);
    await flipByte(stack, primary.bucket, stored[2]!.id, 0);
    const reads = readsOf(stored[1]!.id);
    const key = `bundles/test/${randomUUID()}.tar`;
    const result = await writeBundle({
      files: stored.map((file) => cartFile(file)),
      locations: storageLocations(),
      target: { bucket: config().bundleBucket, key },
      preferredPartBytes: 5 * MiB,
    });
    expect(reads()).toEqual([primary.bucket, replica.bucket]);
    const tar = await bundleBytes(key);
    expect(tar.length).toBe(result.complete ? result.bytes : -1);
    const members = await untar(tar);
    for (const file of stored)
      expect(members.get(file.path)?.equals(file.content as Buffer), file.path).toBe(true);
  });

  it('refuses, with no second read, a file whose bytes are the manifest’s but not the client’s hashsum', async () => {
    const { files: stored } = await storeBag({ files: [{ path: 'data/x.txt', content: 'x' }] });
    const { primary } = await replicate(stored);
    const reads = readsOf(stored[0]!.id);
    const wrongMd5 = createHash('md5').update('something else').digest('hex');
    await expect(
      writeBundle({
        files: [cartFile(stored[0]!, undefined, { hashtype: 'md5', expected: wrongMd5 })],
        locations: storageLocations(),
        target: { bucket: config().bundleBucket, key: `bundles/test/${randomUUID()}.tar` },
      }),
    ).rejects.toThrow(`File hash does not match provided hash: ${stored[0]!.id}`);
    expect(reads()).toEqual([primary.bucket]);
  });

  it('fails with the mismatch when no location holds a good copy', async () => {
    const { files: stored } = await storeBag({
      files: [{ path: 'data/y.bin', content: randomBytes(2 * MiB) }],
    });
    const { primary, replica } = await replicate(stored);
    for (const bucket of [primary.bucket, replica.bucket]) await flipByte(stack, bucket, stored[0]!.id, 10);
    const key = `bundles/test/${randomUUID()}.tar`;
    await expect(
      writeBundle({
        files: [cartFile(stored[0]!)],
        locations: storageLocations(),
        target: { bucket: config().bundleBucket, key },
      }),
    ).rejects.toThrow(`File hash does not match provided hash: ${stored[0]!.id}`);
    expect(await bundleExists(key)).toBe(false);
  });
});
