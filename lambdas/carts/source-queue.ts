import type { Readable } from 'node:stream';
import type { StorageLocation } from '../storage/locations.ts';
import { locationsByHealth } from '../fixity/copy-health.ts';
import type { CartFile } from './cart-file.ts';
import { type OpenedCopy, openStoredCopy, readStoredCopy } from './stored-object-reader.ts';

export type Source = OpenedCopy<Buffer | Readable>;

export interface SourceQueueOptions {
  /** Files up to this size are read ahead whole, several at once. */
  smallFileBytes: number;
  /** How far past the current file read-ahead may go ... */
  aheadFiles: number;
  /** ... and how many read-ahead bytes may wait in memory. */
  aheadBytes: number;
}

const DEFAULTS: SourceQueueOptions = { smallFileBytes: 1 << 20, aheadFiles: 32, aheadBytes: 16 << 20 };

/**
 * Hands out the cart's files in order. A request's latency would dominate small files, so those
 * ahead of the current one are fetched concurrently into memory (bounded in count and bytes); large
 * files are streamed when their turn comes, so no connection sits idle while others are written.
 * Each file is read from the copies that passed their last fixity check first (primary first).
 */
export class SourceQueue {
  private readonly files: readonly CartFile[];
  private readonly locations: readonly StorageLocation[];
  private readonly options: SourceQueueOptions;
  private readonly ahead = new Map<number, Promise<OpenedCopy<Buffer>>>();
  private aheadBytes = 0;
  private nextToFetch = 0;

  constructor(
    files: readonly CartFile[],
    locations: readonly StorageLocation[],
    options: Partial<SourceQueueOptions> = {},
  ) {
    this.files = files;
    this.locations = locations;
    this.options = { ...DEFAULTS, ...options };
  }

  /** The bytes of file `index`: a buffer read ahead, or a stream, and where else it is. Call in order. */
  async take(index: number): Promise<Source> {
    this.nextToFetch = Math.max(this.nextToFetch, index + 1);
    const prefetched = this.ahead.get(index);
    this.fill(index);
    if (prefetched) {
      this.ahead.delete(index);
      try {
        return await prefetched;
      } finally {
        this.aheadBytes -= (this.files[index] as CartFile).size;
        this.fill(index);
      }
    }
    const file = this.files[index] as CartFile;
    return openStoredCopy(file, await this.readOrder(file));
  }

  /** File `index` again, from the next of `rest` that can serve it (its last copy proved bad). */
  async retry(index: number, rest: readonly StorageLocation[]): Promise<Source> {
    const file = this.files[index] as CartFile;
    return file.size > this.options.smallFileBytes
      ? openStoredCopy(file, rest)
      : readStoredCopy(file, rest, file.size);
  }

  /**
   * File `index` from byte `from` on, from the location an earlier invocation was reading it from
   * (its copy is the one the saved digests have seen the start of); `rest` as when it was opened.
   */
  async reopen(index: number, location: string, from: number): Promise<Source> {
    this.nextToFetch = Math.max(this.nextToFetch, index + 1);
    const file = this.files[index] as CartFile;
    const order = await this.readOrder(file);
    const at = order.findIndex((candidate) => candidate.name === location);
    if (at < 0)
      throw new Error(`The bundle checkpoint reads ${file.id} from an unknown location ${location}`);
    const opened = await openStoredCopy(file, [order[at] as StorageLocation], from);
    return { ...opened, rest: order.slice(at + 1) };
  }

  private async readOrder(file: CartFile): Promise<StorageLocation[]> {
    const { good, bad } = await locationsByHealth(file.key, this.locations);
    return [...good, ...bad];
  }

  private fill(current: number): void {
    const limit = Math.min(this.files.length, current + 1 + this.options.aheadFiles);
    for (; this.nextToFetch < limit; this.nextToFetch++) {
      const file = this.files[this.nextToFetch] as CartFile;
      if (file.size > this.options.smallFileBytes) continue;
      if (this.aheadBytes + file.size > this.options.aheadBytes) return;
      this.aheadBytes += file.size;
      const read = this.readOrder(file).then((order) => readStoredCopy(file, order, file.size));
      read.catch(() => undefined); // reported when taken, never as an unhandled rejection
      this.ahead.set(this.nextToFetch, read);
    }
  }
}
