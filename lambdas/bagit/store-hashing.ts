import type { HashPool } from '../archive/hashing/hash-pool.ts';
import type { BagStore, HashOutcome, HashRequest } from './bag-store.ts';

const READ_CONCURRENCY = 8;

/** Hash files of a store with its own fast path when it has one, else by reading them. */
export function hashStoredFiles(
  store: BagStore,
  requests: readonly HashRequest[],
  pool: HashPool,
): AsyncIterable<HashOutcome> {
  if (store.hashFiles) return store.hashFiles(requests, pool);
  return inParallel(requests, READ_CONCURRENCY, (request) => hashByReading(store, request, pool));
}

async function hashByReading(store: BagStore, request: HashRequest, pool: HashPool): Promise<HashOutcome> {
  const hash = pool.stream(request.algorithms, request.size);
  try {
    for await (const chunk of await store.readFile(request.path)) {
      const wait = hash.update(chunk as Buffer);
      if (wait) await wait;
    }
  } catch (error) {
    hash.digest().catch(() => {});
    return { path: request.path, error: (error as Error).message };
  }
  return { path: request.path, digests: await hash.digest() };
}

/** Run `work` over `items` with at most `limit` in flight, yielding results as they complete. */
export async function* inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const done: R[] = [];
  let wake: (() => void) | undefined;
  let next = 0;
  let running = 0;
  let failure: { error: unknown } | undefined;
  const start = () => {
    const item = items[next++];
    running++;
    work(item)
      .then(
        (result) => done.push(result),
        (error: unknown) => (failure ??= { error }),
      )
      .finally(() => {
        running--;
        wake?.();
      });
  };
  while (next < items.length || running > 0 || done.length > 0) {
    while (next < items.length && running < limit) start();
    if (done.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    if (failure) throw failure.error;
    yield* done.splice(0);
  }
}
