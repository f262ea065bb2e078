import { afterAll, expect, it } from 'vitest';
import { DIGEST_ALGORITHMS, type DigestAlgorithm } from '../../lambdas/archive/hashing/algorithms.ts';
import { buildBag, withFile } from '../fixtures/bag-builder.ts';
import { BagVerifier } from '../fixtures/verify-both-ways.ts';

const verifier = new BagVerifier();
afterAll(() => verifier.close());

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAME_PARTS = ['scan', 'Page 1', 'été', '100%', 'x', 'data', 'a.b', '日本'];

it.each(Array.from({ length: 25 }, (_, i) => 1000 + i))(
  'a random single-byte corruption of a random bag is caught (seed %i)',
  async (seed) => {
    const next = random(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
    const payload: Record<string, Buffer> = {};
    const count = 1 + Math.floor(next() * 6);
    for (let i = 0; i < count; i++) {
      const depth = Math.floor(next() * 3);
      const folders = Array.from({ length: depth }, () => pick(NAME_PARTS));
      const size = 1 + Math.floor(next() * 5000);
      payload[['data', ...folders, `${pick(NAME_PARTS)}-${i}.bin`].join('/')] = Buffer.from(
        Array.from({ length: size }, () => Math.floor(next() * 256)),
      );
    }
    const algorithms = DIGEST_ALGORITHMS.filter(() => next() < 0.5);
    const files = buildBag({
      payload,
      version: pick(['0.97', '1.0']),
      algorithms: algorithms.length > 0 ? algorithms : [pick<DigestAlgorithm>(DIGEST_ALGORITHMS)],
    });

    const target = pick(Object.keys(payload));
    const corrupted = Buffer.from(payload[target]);
    corrupted[Math.floor(next() * corrupted.length)] ^= 1 + Math.floor(next() * 255);

    const intact = await verifier.verify(files);
    expect(intact.directory.failures).toEqual([]);
    expect(intact.threadedDirectory.failures).toEqual([]);
    expect(intact.archive.failures).toEqual([]);
    const broken = await verifier.verify(withFile(files, target, corrupted));
    for (const verification of [broken.directory, broken.threadedDirectory, broken.archive]) {
      expect(verification.valid).toBe(false);
      expect(verification.failures).toEqual([`Unable to verify 1 file in the bag: ${target} (checksum)`]);
    }
  },
);
