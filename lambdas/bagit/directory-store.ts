import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { HashPool } from '../archive/hashing/hash-pool.ts';
import type { BagStore, HashOutcome, HashRequest, StoredFile } from './bag-store.ts';
import { walkDirectory } from './directory-walk.ts';
import { inParallel } from './store-hashing.ts';

// Enough queued work to keep every hashing thread busy; the pool batches small files together.
const HASH_WINDOW = 1024;

/** A bag (or a folder holding one) on the local file system. Links are reported, never followed. */
export class DirectoryBagStore implements BagStore {
  readonly root: string;
  private listing: StoredFile[] | undefined;

  /** `listing`: the files under `root`, when the caller has walked it already. */
  constructor(root: string, listing?: StoredFile[]) {
    this.root = root;
    this.listing = listing;
  }

  async *listFiles(): AsyncIterable<StoredFile> {
    this.listing ??= await this.walk();
    yield* this.listing;
  }

  listedFiles(): readonly StoredFile[] | undefined {
    return this.listing;
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

  private async walk(): Promise<StoredFile[]> {
    const files: StoredFile[] = [];
    await walkDirectory(this.root, (file) => files.push(file));
    return files;
  }
}
