import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashPool } from '../../lambdas/archive/hashing/hash-pool.ts';
import { verifyDirectory } from '../../lambdas/bagit/verify-directory.ts';
import { buildBag } from '../fixtures/bag-builder.ts';
import { scratchDirectory, writeBagDirectory } from '../fixtures/scratch.ts';

let scratch: Awaited<ReturnType<typeof scratchDirectory>>;
beforeAll(async () => {
  scratch = await scratchDirectory();
});
afterAll(() => scratch.cleanup());

describe('hashing a bag directory', () => {
  it('boots the hashing threads before the walk when bag-info declares a big payload', async () => {
    const bag = buildBag({ payload: { 'data/a.txt': 'alpha' }, oxum: false });
    const small = await writeBagDirectory(bag, join(scratch.path, 'small'));
    const big = await writeBagDirectory(bag, join(scratch.path, 'declared-big'));
    await writeFile(join(big, 'bag-info.txt'), 'Payload-Oxum: 2097152.1\n');
    for (const [directory, boots] of [
      [small, false],
      [big, true],
    ] as const) {
      const pool = new HashPool({ threads: 2 });
      try {
        await verifyDirectory(directory, { hashPool: pool, threadedBytes: 1 << 20 });
        expect(pool.running, directory).toBe(boots);
      } finally {
        await pool.close();
      }
    }
  });

  it('verifies while the payload is hashed, and finds every changed file either way', async () => {
    const payload: Record<string, string> = {};
    for (let i = 0; i < 40; i++) payload[`data/${i}.txt`] = `file ${i} `.repeat(20_000);
    const bag = buildBag({ payload });
    for (const threadedBytes of [0, 1 << 30]) {
      const directory = await writeBagDirectory(bag, join(scratch.path, `changed-${threadedBytes}`));
      await writeFile(join(directory, 'data/3.txt'), 'changed');
      await writeFile(join(directory, 'data/39.txt'), 'file 39 '.repeat(20_000).replace('9', '8'));
      const pool = new HashPool({ threads: 2 });
      try {
        const verification = await verifyDirectory(directory, { hashPool: pool, threadedBytes });
        expect(verification.valid).toBe(false);
        expect(verification.failures.join('\n')).toMatch(/data\/3\.txt/);
        expect(verification.failures.join('\n')).toMatch(/data\/39\.txt/);
      } finally {
        await pool.close();
      }
    }
  });
});
