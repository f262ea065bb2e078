import { describe, expect, it } from 'vitest';
import { ExternalSorter, Spool } from '../../lambdas/external-sort.ts';

const scrambled = (count: number) => Array.from({ length: count }, (_, i) => (i * 7919) % count);
const key = (n: number) => `k${String(n).padStart(6, '0')}`;

describe('the external sort', () => {
  it('returns every item in key order across hundreds of runs on disk', async () => {
    const sorter = new ExternalSorter<{ n: number }>((item) => key(item.n), { runChars: 20_000 });
    for (const n of scrambled(50_000)) await sorter.add({ n });
    expect(sorter.spilledRuns).toBeGreaterThan(200);
    const seen: number[] = [];
    for await (const item of sorter.sorted()) seen.push(item.n);
    expect(seen).toEqual(Array.from({ length: 50_000 }, (_, i) => i));
  });

  it('keeps items with equal keys in the order they were added, in memory and on disk', async () => {
    for (const runChars of [1 << 20, 200]) {
      const sorter = new ExternalSorter<[string, number]>((item) => item[0], { runChars });
      for (let i = 0; i < 300; i++) await sorter.add([i % 3 === 0 ? 'a' : 'b', i]);
      const order: number[] = [];
      for await (const [, i] of sorter.sorted()) order.push(i);
      const expected = [...Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 === 0)];
      expected.push(...Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 !== 0));
      expect(order).toEqual(expected);
    }
  });

  it('spools items to disk and reads them back as often as asked', async () => {
    const spool = new Spool<{ text: string }>({ runChars: 1000 });
    const texts = Array.from({ length: 2000 }, (_, i) => `line\nbreak ${i}`);
    for (const text of texts) await spool.add({ text });
    await spool.close();
    for (let pass = 0; pass < 2; pass++) {
      const read: string[] = [];
      for await (const item of spool.items()) read.push(item.text);
      expect(read).toEqual(texts);
    }
    await spool.dispose();
  });
});

describe('adding from several tasks at once (Register holds chunks in parallel)', () => {
  it('loses no item and breaks no run', async () => {
    const sorter = new ExternalSorter<{ n: number; text: string }>((item) => key(item.n), { runChars: 5000 });
    const spool = new Spool<number>({ runChars: 500 });
    await Promise.all(
      Array.from({ length: 8 }, async (_, task) => {
        for (let n = task; n < 8000; n += 8) {
          await sorter.add({ n, text: 'x'.repeat(n % 50) });
          await spool.add(n);
        }
      }),
    );
    const sorted: number[] = [];
    for await (const item of sorter.sorted()) sorted.push(item.n);
    expect(sorted).toEqual(Array.from({ length: 8000 }, (_, i) => i));
    await spool.close();
    const spooled: number[] = [];
    for await (const n of spool.items()) spooled.push(n);
    expect(spooled.sort((a, b) => a - b)).toEqual(sorted);
    await spool.dispose();
  });
});
