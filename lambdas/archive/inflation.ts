import { closeSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type Gunzip } from 'node:zlib';
import { ChunkQueue } from './chunk-queue.ts';
import { FileFeed } from './file-feed.ts';
import { GzipMagicCheck, gzipStartProblem } from './gzip-magic-check.ts';

// The decompressed side: chunks of this size by default.
const GZIP_CHUNK = 1 << 20;
// Decompressed chunks waiting for the tar reader: enough for gunzip (on libuv's pool) to keep going
// while the reader hashes the chunks before them, little enough to stay small whatever the archive.
const QUEUED_BYTES = 4 * GZIP_CHUNK;

/** How refusal reasons name an archive. */
export function quoteArchiveName(archiveName: string | undefined): string {
  return JSON.stringify(archiveName ?? 'archive');
}

export interface InflationOptions {
  /** How refusal reasons name the archive. */
  archiveName?: string;
  /** Decompressed bytes that may wait for the reader (see ChunkQueue). */
  queuedBytes?: number;
  /** Size of each decompressed chunk. */
  chunkBytes?: number;
}

/**
 * A tar.gz being gunzipped (on libuv's pool) into a queue of decompressed chunks. It can be started
 * before anything reads it, e.g. by `bagvault validate` while the rest of its code loads; a failure
 * (not gzip, unreadable) is kept and surfaces at the reader, as if it had been met while reading.
 */
export class Inflation {
  readonly chunks: ChunkQueue;
  /** Settles when the compressed data has been read and inflated to its end (or failed). */
  readonly fed: Promise<void>;
  private readonly source: Readable | FileFeed;
  private readonly gunzip: Gunzip;

  constructor(source: Readable | FileFeed, options: InflationOptions = {}) {
    this.source = source;
    this.gunzip = createGunzip({ chunkSize: options.chunkBytes ?? GZIP_CHUNK });
    this.chunks = new ChunkQueue(this.gunzip, options.queuedBytes ?? QUEUED_BYTES);
    const name = quoteArchiveName(options.archiveName);
    if (source instanceof FileFeed) {
      // Its first bytes are checked and handed to zlib here and now: gunzip is at work before this
      // returns.
      const problem = gzipStartProblem(name, source.head, source.headIsAll);
      if (problem) {
        source.destroy();
        this.fed = Promise.reject(problem);
      } else {
        this.gunzip.write(source.head);
        this.fed = source.into(this.gunzip);
      }
    } else {
      this.fed = pipeline(source, new GzipMagicCheck(name), this.gunzip);
    }
    this.fed.catch((error: unknown) => this.chunks.fail(error));
  }

  /**
   * Start on a file at once: its first bytes are read synchronously and handed to zlib before this
   * returns, so decompression runs even while the calling thread has no turn to spare (e.g. it loads
   * modules); the rest is read `readBytes` at a time. Throws, as opening would, when the file cannot
   * be opened or read.
   */
  static ofFile(path: string, readBytes: number, options: InflationOptions = {}): Inflation {
    // zlib hands back one chunk and waits for this thread's next turn: more than a chunk's worth of
    // compressed bytes read now would only delay its start.
    const headBytes = Math.min(readBytes, options.chunkBytes ?? GZIP_CHUNK);
    const fd = openSync(path, 'r');
    let head: Buffer;
    try {
      head = Buffer.allocUnsafe(headBytes);
      head = head.subarray(0, readSync(fd, head, 0, headBytes, 0));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return new Inflation(new FileFeed(fd, head, head.length < headBytes, readBytes), options);
  }

  /** Stops reading and inflating (after a failure, or when the archive is not wanted after all). */
  destroy(): void {
    this.gunzip.destroy();
    this.source.destroy();
  }
}
