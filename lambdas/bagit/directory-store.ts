import { createReadStream, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { HashPool } from '../archive/hashing/hash-pool.ts';
import type { BagStore, HashOutcome, HashRequest, StoredFile } from './bag-store.ts';
import { inParallel } from './store-hashing.ts';

// Enough queued work to keep every hashing thread busy; the pool batches small files together.
const HASH_WINDOW = 1024;

/** A bag (or a folder holding one) on the local file system. Links are reported, never followed. */
export class DirectoryBagStore implements BagStore {
  readonly root: string;
  private listing: StoredFile[] | undefined;

  constructor(root: string) {
    this.root = root;
  }

  async *listFiles(): AsyncIterable<StoredFile> {
    this.listing ??= await this.walk();
    yield* this.listing;
  }

  async readFile(path: string): Promise<Readable> {
    return createReadStream(join(this.root, path), { highWaterMark: 1 << 20 });
  }

  hashFiles(requests: readonly HashRequest[], pool: HashPool): AsyncIterable<HashOutcome> {
    return inParallel(requests, HASH_WINDOW, async (request): Promise<HashOutcome> => {
      try {
        const digests = await pool.hashFile(join(this.root, request.path), request.algorithms, request.size);
        return { path: request.path, digests };
      } catch (error) {
        return { path: request.path, error: (error as Error).message };
      }
    });
  }

  // Synchronous on purpose: for a local tree a blocking readdir/lstat is several times faster than a
  // thread-pool round trip per file, and the walk must finish before anything else can start.
  private async walk(): Promise<StoredFile[]> {
    const files: StoredFile[] = [];
    const pending = [''];
    while (pending.length > 0) {
      const directory = pending.pop() as string;
      for (const entry of readdirSync(join(this.root, directory), { withFileTypes: true })) {
        const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile()) files.push({ path, size: lstatSync(join(this.root, path)).size });
        else files.push({ path, size: 0, notRegular: kindOf(entry) });
      }
    }
    return files;
  }
}

function kindOf(entry: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (entry.isSymbolicLink()) return 'symbolic link';
  if (entry.isFIFO()) return 'FIFO';
  if (entry.isSocket()) return 'socket';
  return 'device';
}
