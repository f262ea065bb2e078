import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import { HashPool } from '../../lambdas/archive/hashing/hash-pool.ts';
import { ArchiveBagStore } from '../../lambdas/bagit/archive-store.ts';
import { readAll, type HashOutcome } from '../../lambdas/bagit/bag-store.ts';
import { buildBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';

const pool = new HashPool({ threads: 1 });
afterAll(() => pool.close());

const files = buildBag({ payload: { 'data/a.txt': 'alpha', 'data/b.txt': 'bravo' } });
const archive = await bagToTarGz(files);
let opened = 0;
const open = () => {
  opened++;
  return Readable.from([archive]);
};
const listed = [...files].map(([path, bytes]) => ({ path: `bag/${path}`, size: bytes.length }));

it('reads a file it did not keep by streaming the archive again', async () => {
  const store = new ArchiveBagStore(listed, new Map(), open);
  opened = 0;
  expect((await readAll(store, 'bag/bagit.txt')).toString()).toBe(files.get('bagit.txt')!.toString());
  expect(opened).toBe(1);
  await expect(readAll(store, 'bag/absent.txt')).rejects.toThrow('bag/absent.txt is not in the archive');
});

it('computes missing digests of many files in a single pass', async () => {
  const store = new ArchiveBagStore(listed, new Map(), open);
  opened = 0;
  const outcomes: HashOutcome[] = [];
  const requests = [
    { path: 'bag/data/a.txt', size: 5, algorithms: ['sha512' as const] },
    { path: 'bag/data/b.txt', size: 5, algorithms: ['md5' as const, 'sha1' as const] },
  ];
  for await (const outcome of store.hashFiles(requests, pool)) outcomes.push(outcome);
  expect(opened).toBe(1);
  expect(outcomes).toEqual([
    { path: 'bag/data/a.txt', digests: { sha512: createHash('sha512').update('alpha').digest('hex') } },
    {
      path: 'bag/data/b.txt',
      digests: {
        md5: createHash('md5').update('bravo').digest('hex'),
        sha1: createHash('sha1').update('bravo').digest('hex'),
      },
    },
  ]);
});
