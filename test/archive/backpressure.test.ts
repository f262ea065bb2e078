import { createHash } from 'node:crypto';
import { Readable, type Readable as ReadableType } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGzip } from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { HashPool } from '../../lambdas/archive/hashing/hash-pool.ts';
import { MemorySink } from '../../lambdas/archive/memory-sink.ts';
import { unpackArchive } from '../../lambdas/archive/unpack.ts';
import type { UnpackSink } from '../../lambdas/archive/unpack-sink.ts';

const pool = new HashPool({ threads: 2 });
afterAll(() => pool.close());

const MiB = 1 << 20;

/** A tar.gz of one file of `size` zero bytes, generated as it is read: never whole in memory. */
function zeroFileArchive(size: number): ReadableType {
  const header = Buffer.alloc(512);
  header.write('bag/data/zeros.bin', 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(size.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('0', 156);
  header.write('ustar\x0000', 257);
  header.fill(' ', 148, 156);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(checksum.toString(8).padStart(6, '0') + '\0 ', 148);
  async function* tar() {
    yield header;
    const chunk = Buffer.alloc(MiB);
    for (let left = size; left > 0; left -= chunk.length)
      yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    yield Buffer.alloc(1024 + ((512 - (size % 512)) % 512));
  }
  return Readable.from(tar()).pipe(createGzip({ level: 1 }));
}

/** Peak RSS growth while `work` runs, sampled every few milliseconds. */
async function peakGrowth(work: () => Promise<unknown>): Promise<number> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  return (peak - baseline) / MiB;
}

it('streams a large file without holding it in memory', async () => {
  const size = 512 * MiB;
  let digest: string | undefined;
  const growth = await peakGrowth(() =>
    unpackArchive(zeroFileArchive(size), new MemorySink(() => false), {
      hashPool: pool,
      onFile: (file) => {
        digest = file.digests.sha256;
      },
    }),
  );
  expect(digest).toBe(createHash('sha256').update(Buffer.alloc(size)).digest('hex'));
  expect(growth).toBeLessThan(100);
});

it('lets a slow sink hold the archive back instead of buffering it', async () => {
  let received = 0;
  const slowSink: UnpackSink = {
    async writeFile(_path, _size, content) {
      for await (const chunk of content) {
        received += (chunk as Buffer).length;
        await sleep(1);
      }
    },
    async discard() {},
  };
  const growth = await peakGrowth(() =>
    unpackArchive(zeroFileArchive(128 * MiB), slowSink, { hashPool: pool }),
  );
  expect(received).toBe(128 * MiB);
  expect(growth).toBeLessThan(100);
});
