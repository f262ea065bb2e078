/**
 * A 100,000-file cart (issue 11 item 4, SPEC §2) through the local stack's API, as a client sends it:
 * one gzip-compressed POST (its JSON is over API Gateway's 10 MB), ids resolved by the workflow, every
 * file staged, verified and written into one tar. BENCH_BIG_CART_FILES entries (default 100,000) draw
 * on BENCH_BIG_CART_DISTINCT stored files (default 1,000, 1–4 KiB each) at distinct paths.
 * The baseline, in the same run against the same stack: a cart of 1/10 the entries. The per-entry
 * time ratio shows whether a cart's cost grows with its size alone (1.0) or faster; the stack
 * process's peak resident memory is read before and after (/proc VmHWM).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { adminApi, cartUntilReady, startStackProcess, useStack } from './cart.ts';

const FILES = Number(process.env.BENCH_BIG_CART_FILES ?? 100_000);
const DISTINCT = Number(process.env.BENCH_BIG_CART_DISTINCT ?? 1000);
const MB = 1e6;

/** The stack process's peak resident set so far (Linux). */
function peakRssMiB(pid: number): number {
  const line = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) / 1024 : NaN;
}

export async function run(): Promise<void> {
  const stack = await startStackProcess();
  try {
    await useStack(stack.ports);
    const { storeBag } = await import('../test/support/stored-bag.ts');
    const { bundleBytes } = await import('../lambdas/carts/bundle-writer.ts');
    const { files: stored } = await storeBag({
      externalIdentifier: 'big-cart',
      files: Array.from({ length: DISTINCT }, (_, index) => ({
        path: `data/${String(index).padStart(5, '0')}.bin`,
        content: randomBytes(1024 + ((index * 7919) % (3 * 1024))),
      })),
      algorithms: ['sha256', 'md5'],
    });
    const api = adminApi(stack.apiUrl);

    /** POSTs a cart of `count` entries gzip-compressed, then HEADs until ready; seconds per status. */
    async function cart(count: number) {
      const fileids = Array.from({ length: count }, (_, index) => {
        const file = stored[index % stored.length]!;
        return {
          id: file.id,
          path: `copy-${Math.floor(index / stored.length)}/${file.path}`,
          hashtype: 'md5',
          hashsum: '',
        };
      });
      const json = Buffer.from(JSON.stringify({ fileids }));
      const body = gzipSync(json);
      const cartId = randomUUID();
      const seen = await cartUntilReady(
        api,
        cartId,
        { headers: { 'content-encoding': 'gzip' }, body },
        count > 10_000 ? 1000 : 50,
      );
      const redirect = await api(`/carts/${cartId}`, { redirect: 'manual' });
      const bundle = await fetch(redirect.headers.get('location') as string, { method: 'HEAD' });
      const expected = bundleBytes(
        fileids.map((entry, index) => ({
          path: entry.path,
          size: stored[index % stored.length]!.size,
          mtime: 0,
        })),
      );
      const size = Number(bundle.headers.get('content-length'));
      if (size !== expected) throw new Error(`The bundle has ${size} bytes, not ${expected}`);
      await api(`/carts/${cartId}`, { method: 'DELETE' });
      return { seen, seconds: seen.ready!, json: json.length, gzip: body.length, tar: size };
    }

    const baseCount = Math.max(1, Math.round(FILES / 10));
    const base = await cart(baseCount);
    const rssAfterBase = peakRssMiB(stack.pid);
    const big = await cart(FILES);
    const rssAfterBig = peakRssMiB(stack.pid);

    const phases = (seen: Record<string, number>) =>
      Object.entries(seen)
        .map(([status, at]) => `${status} ${at.toFixed(1)}`)
        .join(', ');
    for (const [label, result, count] of [
      ['baseline', base, baseCount],
      ['big cart', big, FILES],
    ] as const) {
      console.log(
        `${label}: ${count} files, JSON ${(result.json / MB).toFixed(2)} MB → gzip ${(result.gzip / MB).toFixed(2)} MB, ` +
          `tar ${(result.tar / MB).toFixed(0)} MB, ready after ${result.seconds.toFixed(1)} s ` +
          `(${((result.seconds / count) * 1000).toFixed(2)} ms a file); phases (s after POST): ${phases(result.seen)}`,
      );
    }
    console.log(
      `per-file time ratio big/baseline: ${(big.seconds / FILES / (base.seconds / baseCount)).toFixed(2)}`,
    );
    console.log(
      `local stack process peak RSS: ${rssAfterBase.toFixed(0)} MiB after the baseline, ` +
        `${rssAfterBig.toFixed(0)} MiB after the big cart (${(rssAfterBig - rssAfterBase).toFixed(0)} MiB more)`,
    );
  } finally {
    await stack.stop();
  }
}
