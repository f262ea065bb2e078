import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_ALGORITHMS, type DigestAlgorithm } from '../../lambdas/archive/hashing/algorithms.ts';
import { HashPool, hashThreadsFor, usableCores } from '../../lambdas/archive/hashing/hash-pool.ts';
import { scratchDirectory } from '../fixtures/scratch.ts';

let scratch: Awaited<ReturnType<typeof scratchDirectory>>;
beforeAll(async () => {
  scratch = await scratchDirectory();
});
afterAll(() => scratch.cleanup());

function expected(bytes: Buffer, algorithms: readonly DigestAlgorithm[]) {
  return Object.fromEntries(algorithms.map((a) => [a, createHash(a).update(bytes).digest('hex')]));
}

async function hashInChunks(
  pool: HashPool,
  bytes: Buffer,
  algorithms: readonly DigestAlgorithm[],
  chunk: number,
) {
  const stream = pool.stream(algorithms, bytes.length);
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    const wait = stream.update(bytes.subarray(offset, offset + chunk));
    if (wait) await wait;
  }
  return stream.digest();
}

describe.each([0, 1, 3])('HashPool with %i threads', (threads) => {
  let pool: HashPool;
  beforeAll(() => {
    pool = new HashPool({ threads, slabBytes: 64 * 1024, slabCount: 3, inlineCheapStreams: false });
  });
  afterAll(() => pool.close());

  it('matches node:crypto for every algorithm, across slab boundaries', async () => {
    const bytes = randomBytes(1_000_003);
    for (const chunk of [1, 4093, 65536, 300_000]) {
      const input = chunk === 1 ? bytes.subarray(0, 20_000) : bytes;
      expect(await hashInChunks(pool, input, DIGEST_ALGORITHMS, chunk)).toEqual(
        expected(input, DIGEST_ALGORITHMS),
      );
    }
  });

  it('hashes many interleaved streams, including empty ones', async () => {
    const inputs = Array.from({ length: 300 }, (_, i) => randomBytes(i % 7 === 0 ? 0 : i * 37));
    const streams = inputs.map((bytes, i) =>
      pool.stream(i % 2 ? ['sha256'] : ['md5', 'sha512'], bytes.length),
    );
    for (let i = 0; i < inputs.length; i++) {
      const half = inputs[i].length >> 1;
      await streams[i].update(inputs[i].subarray(0, half));
      await streams[(i + 1) % inputs.length].update(Buffer.alloc(0));
      await streams[i].update(inputs[i].subarray(half));
    }
    const digests = await Promise.all(streams.map((stream) => stream.digest()));
    digests.forEach((digest, i) =>
      expect(digest).toEqual(expected(inputs[i], i % 2 ? ['sha256'] : ['md5', 'sha512'])),
    );
  });

  it('hashes files, splitting big ones across threads, and reports unreadable ones', async () => {
    const big = randomBytes(17 << 20);
    const small = randomBytes(1234);
    await writeFile(join(scratch.path, `big-${threads}`), big);
    await writeFile(join(scratch.path, `small-${threads}`), small);
    const [bigDigests, smallDigests] = await Promise.all([
      pool.hashFile(join(scratch.path, `big-${threads}`), ['sha1', 'sha512'], big.length),
      pool.hashFile(join(scratch.path, `small-${threads}`), ['md5'], small.length),
    ]);
    expect(bigDigests).toEqual(expected(big, ['sha1', 'sha512']));
    expect(smallDigests).toEqual(expected(small, ['md5']));
    await expect(pool.hashFile(join(scratch.path, 'absent'), ['sha256'])).rejects.toThrow(/ENOENT/);
  });
});

it('keeps bytes in order when callers do not wait for free buffers', async () => {
  // Two tiny buffers force most writes to wait; stream events can keep coming after pause().
  const pool = new HashPool({ threads: 2, slabBytes: 4096, slabCount: 2, inlineCheapStreams: false });
  const inputs = Array.from({ length: 5 }, (_, i) => randomBytes(50_000 + i * 7919));
  const digests = inputs.map((bytes, i) => {
    const stream = pool.stream(i % 2 ? ['sha256', 'md5'] : ['sha512'], bytes.length);
    for (let offset = 0; offset < bytes.length; offset += 3000)
      void stream.update(bytes.subarray(offset, offset + 3000));
    return stream.digest();
  });
  const results = await Promise.all(digests);
  results.forEach((digest, i) =>
    expect(digest).toEqual(expected(inputs[i], i % 2 ? ['sha256', 'md5'] : ['sha512'])),
  );
  await pool.close();
});

it('closes while digests are still owed, settling them rather than hanging', async () => {
  const pool = new HashPool({ threads: 2, inlineCheapStreams: false });
  const stream = pool.stream(['sha512'], 1 << 20);
  await stream.update(randomBytes(1 << 20));
  const digest = stream.digest();
  await pool.close();
  const [outcome] = await Promise.allSettled([digest]);
  if (outcome.status === 'rejected') expect(String(outcome.reason)).toContain('The hash pool was closed');
});

it('does not keep the process alive once idle', async () => {
  const pool = new HashPool({ threads: 1, inlineCheapStreams: false });
  await pool.stream(['sha512']).digest();
  // Nothing to assert beyond not hanging: vitest would time out if an idle thread held the fork.
  await pool.close();
});

describe('threads only where they pay', () => {
  it('hashes a short bag on the calling thread, and boots the threads once more has gone by', async () => {
    const pool = new HashPool({ threads: 2 });
    const small = randomBytes(200_000);
    for (let i = 0; i < 50; i++) {
      expect(await hashInChunks(pool, small, ['sha256'], 65536)).toEqual(expected(small, ['sha256']));
    }
    const tag = randomBytes(60_000);
    expect(await hashInChunks(pool, tag, ['md5', 'sha512'], 65536)).toEqual(expected(tag, ['md5', 'sha512']));
    expect(pool.running, 'small files never boot the threads').toBe(false);
    const medium = randomBytes(3 << 20);
    expect(await hashInChunks(pool, medium, ['sha256'], 1 << 20)).toEqual(expected(medium, ['sha256']));
    expect(pool.running, 'a few MB of bigger files do not either').toBe(false);
    const big = randomBytes(6 << 20);
    expect(await hashInChunks(pool, big, ['sha256'], 1 << 20)).toEqual(expected(big, ['sha256']));
    expect(pool.running, 'more than a short bag boots them').toBe(true);
    // Once they are up (or while they boot: the calling thread hashes meanwhile), digests are the same.
    for (let i = 0; i < 3; i++) {
      expect(await hashInChunks(pool, big, ['sha256', 'sha512'], 1 << 20)).toEqual(
        expected(big, ['sha256', 'sha512']),
      );
    }
    await pool.close();
  });

  it('boots a thread less for streams than for files: the feeding thread and gunzip take a core', async () => {
    const pool = new HashPool({ threads: 3 });
    const big = randomBytes(1 << 20);
    const stream = pool.stream(['sha256'], 100 << 20);
    stream.update(big);
    expect(await stream.digest()).toEqual(expected(big, ['sha256']));
    expect(pool.threadsStarted).toBe(2);
    const several = pool.stream(['sha256', 'sha512'], 100 << 20);
    several.update(big);
    expect(await several.digest()).toEqual(expected(big, ['sha256', 'sha512']));
    expect(pool.threadsStarted, 'several algorithms run side by side').toBe(3);
    await pool.close();
  });

  it('lets a stream too big to hash here wait for the threads', async () => {
    const pool = new HashPool({ threads: 2 });
    pool
      .stream(['sha512'], 40 << 20)
      .digest()
      .catch(() => {});
    expect(pool.running).toBe(true);
    await pool.close();
  });

  it('hashes a small file here and starts threads only for a big one', async () => {
    const pool = new HashPool({ threads: 2 });
    const small = randomBytes(10_000);
    const big = randomBytes(9 << 20);
    await writeFile(join(scratch.path, 'lazy-small'), small);
    await writeFile(join(scratch.path, 'lazy-big'), big);
    expect(await pool.hashFile(join(scratch.path, 'lazy-small'), ['sha256'], small.length)).toEqual(
      expected(small, ['sha256']),
    );
    expect(pool.running).toBe(false);
    expect(await pool.hashFile(join(scratch.path, 'lazy-big'), ['sha256'], big.length)).toEqual(
      expected(big, ['sha256']),
    );
    expect(pool.running).toBe(true);
    await pool.close();
  });

  it('sizes the pool to the cores the process has: none on one vCPU (a 1,769 MB Lambda)', () => {
    // Lambda reports its host's cores whatever the memory size; CPU comes with memory.
    expect(usableCores(2, '1024')).toBe(1);
    expect(usableCores(2, '1769')).toBe(1);
    expect(usableCores(6, '3538')).toBe(2);
    expect(usableCores(2, '10240')).toBe(2);
    expect(usableCores(2, undefined)).toBe(2);
    expect(hashThreadsFor(usableCores(2, '1769'))).toBe(0);
    expect(hashThreadsFor(1)).toBe(0);
    expect(hashThreadsFor(2)).toBe(2);
    expect(hashThreadsFor(6)).toBe(4);
  });
});

describe('hashing a file on the calling thread', () => {
  it('matches node:crypto for empty, one-read and many-read files, each algorithm once', async () => {
    const { hashFileInline } = await import('../../lambdas/archive/hashing/stream-hash.ts');
    // The read buffer holds 1 MiB: sizes on, before and after its boundaries.
    for (const size of [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 2.5 * (1 << 20)]) {
      const bytes = randomBytes(size);
      const path = join(scratch.path, `inline-${size}`);
      await writeFile(path, bytes);
      const digests = await hashFileInline(path, ['sha256', 'md5', 'sha256']);
      expect(digests, `${size} bytes`).toEqual(expected(bytes, ['sha256', 'md5']));
    }
  });
});
