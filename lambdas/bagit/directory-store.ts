import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Digests } from '../archive/hashing/algorithms.ts';
import type { HashPool } from '../archive/hashing/hash-pool.ts';
import type { BagStore, HashOutcome, HashRequest, StoredFile } from './bag-store.ts';
import { walkDirectory } from './directory-walk.ts';
import { inParallel } from './store-hashing.ts';

// Enough queued work to keep every hashing thread busy; the pool batches small files together.
const HASH_WINDOW = 1024;
// Files up to this size are read in one call rather than streamed.
const READ_AT_ONCE_BYTES = 1 << 20;

export type HashedElsewhere = (path: string) => Promise<Digests | undefined> | undefined;

/** A bag (or a folder holding one) on the local file system. Links are reported, never followed. */
export class DirectoryBagStore implements BagStore {
  readonly root: string;
  private listing: StoredFile[] | undefined;

  private readonly hashedElsewhere: HashedElsewhere | undefined;

  /**
   * `listing`: the files under `root`, when the caller has walked it already. `hashedElsewhere`: the
   * digests of files the caller is hashing itself, by path under `root` (undefined: hash it here).
   */
  constructor(root: string, listing?: StoredFile[], hashedElsewhere?: HashedElsewhere) {
    this.root = root;
    this.listing = listing;
    this.hashedElsewhere = hashedElsewhere;
  }

  async *listFiles(): AsyncIterable<StoredFile> {
    this.listing ??= await this.walk();
    yield* this.listing;
  }

  listedFiles(): readonly StoredFile[] | undefined {
    return this.listing;
  }

  /**
   * A small file (the tag files, most manifests) is read at once: each read of a stream is a round
   * trip to libuv's pool, and a bag's tag files are read after its payload is hashed, with nothing
   * else to overlap them. Like the walk, a link is never followed nor a FIFO waited on.
   */
  async readFile(path: string): Promise<Readable> {
    const opened = openRegularFile(join(this.root, path));
    if (!opened) throw new Error(`${path} is not a regular file`);
    const { fd, size } = opened;
    try {
      if (size <= READ_AT_ONCE_BYTES) {
        const bytes = Buffer.allocUnsafe(size);
        let read = 0;
        for (let got = -1; got !== 0 && read < bytes.length; read += got) {
          got = readSync(fd, bytes, read, bytes.length - read, read);
        }
        closeSync(fd);
        return Readable.from(read === 0 ? [] : [bytes.subarray(0, read)], { objectMode: false });
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return createReadStream('', { fd, highWaterMark: 1 << 20 });
  }

  hashFiles(requests: readonly HashRequest[], pool: HashPool): AsyncIterable<HashOutcome> {
    return inParallel(requests, HASH_WINDOW, async (request): Promise<HashOutcome> => {
      try {
        const elsewhere = await this.hashedElsewhere?.(request.path);
        if (elsewhere && request.algorithms.every((algorithm) => elsewhere[algorithm] !== undefined)) {
          return { path: request.path, digests: elsewhere };
        }
        // What is left after a walk that hashed the payload is mostly the tag files: this thread
        // reads those in less time than a message to a thread and back takes.
        const digests = await pool.hashFile(join(this.root, request.path), request.algorithms, request.size, {
          preferHere: true,
        });
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

/**
 * Opens a file for reading only if it is a regular file: like the walk, never follows a link (the
 * open fails) nor waits on a FIFO (undefined, as for anything else that is not a regular file).
 */
export function openRegularFile(path: string): { fd: number; size: number } | undefined {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (stats.isFile()) return { fd, size: stats.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  closeSync(fd);
  return undefined;
}
