import type { Readable } from 'node:stream';
import type { HashPool } from '../archive/hashing/hash-pool.ts';
import type { BagStore, HashOutcome, HashRequest, StoredFile } from './bag-store.ts';

/** The part of a store under `prefix` ("bag/"), seen as a store of its own. */
export function scopeStore(store: BagStore, prefix: string): BagStore {
  if (prefix === '') return store;
  const scoped: BagStore = {
    async *listFiles(): AsyncIterable<StoredFile> {
      for await (const file of store.listFiles()) {
        if (file.path.startsWith(prefix)) yield { ...file, path: file.path.slice(prefix.length) };
      }
    },
    listedFiles(): readonly StoredFile[] | undefined {
      const listed = store.listedFiles?.();
      if (!listed) return undefined;
      const files: StoredFile[] = [];
      for (const file of listed) {
        if (file.path.startsWith(prefix)) files.push({ ...file, path: file.path.slice(prefix.length) });
      }
      return files;
    },
    readFile(path: string): Promise<Readable> {
      return store.readFile(prefix + path);
    },
  };
  const hashFiles = store.hashFiles?.bind(store);
  if (hashFiles) {
    scoped.hashFiles = async function* (requests: readonly HashRequest[], pool: HashPool) {
      const inner = requests.map((request) => ({ ...request, path: prefix + request.path }));
      for await (const outcome of hashFiles(inner, pool)) {
        yield { ...outcome, path: outcome.path.slice(prefix.length) } as HashOutcome;
      }
    };
  }
  return scoped;
}
