import { config } from '../config.ts';
import { putJson } from '../storage/s3-objects.ts';

/**
 * A file list too long for workflow state (SPEC §2) is written to the work area in chunks, each one
 * Task's work, plus an index of the chunks that a Distributed Map's ItemReader reads: state carries
 * only the index's bucket and key. Chunks are bounded by files and by bytes (a chunk of 500 files of
 * 2.5 GB would be 1.25 TB for one invocation); a single file bigger than the byte bound gets a chunk
 * of its own.
 */
export interface ChunkLimits {
  files: number;
  bytes: number;
}

export const chunkLimits = (): ChunkLimits => ({
  files: config().chunkMaxFiles,
  bytes: config().chunkMaxBytes,
});

/** One item of a chunk index: what the Distributed Map hands each Task. */
export interface ChunkItem {
  chunk: number;
}

/** Where a chunk index is, as the ItemReader's Parameters read it from state. */
export interface ChunkList {
  bucket: string;
  key: string;
  chunkCount: number;
}

/**
 * The most chunks packing `files` files of `bytes` bytes in total can give. A chunk closed for bytes
 * holds, with the first file of the next chunk, more than `limits.bytes`; every file is counted at
 * most twice that way, so fewer than 2·bytes/limit chunks close for bytes, and at most files/limit
 * for their count, plus the last one.
 */
export function maxChunkCount(files: number, bytes: number, limits: ChunkLimits): number {
  return Math.floor(files / limits.files) + Math.floor((2 * bytes) / limits.bytes) + 1;
}

/** Packs items in order into chunks within the limits; pure, so its bound can be tested at scale. */
export class ChunkPacker<T> {
  private readonly limits: ChunkLimits;
  private readonly sizeOf: (item: T) => number;
  private current: T[] = [];
  private currentBytes = 0;

  constructor(limits: ChunkLimits, sizeOf: (item: T) => number) {
    this.limits = limits;
    this.sizeOf = sizeOf;
  }

  /** Adds an item; returns the chunk it closed, if it did not fit in the open one. */
  add(item: T): T[] | undefined {
    const size = this.sizeOf(item);
    let closed: T[] | undefined;
    const full =
      this.current.length >= this.limits.files ||
      (this.current.length > 0 && this.currentBytes + size > this.limits.bytes);
    if (full) closed = this.finish();
    this.current.push(item);
    this.currentBytes += size;
    return closed;
  }

  /** The open chunk, if it holds anything. */
  finish(): T[] | undefined {
    if (this.current.length === 0) return undefined;
    const chunk = this.current;
    this.current = [];
    this.currentBytes = 0;
    return chunk;
  }
}

/**
 * Writes a list as chunk files while it streams past (never the whole list in memory), then the
 * index the Distributed Map reads.
 */
export class ChunkListWriter<T> {
  private readonly bucket: string;
  private readonly chunkKey: (chunk: number) => string;
  private readonly indexKey: string;
  private readonly packer: ChunkPacker<T>;
  private chunks = 0;

  constructor(options: {
    bucket: string;
    chunkKey: (chunk: number) => string;
    indexKey: string;
    sizeOf: (item: T) => number;
    limits?: ChunkLimits;
  }) {
    this.bucket = options.bucket;
    this.chunkKey = options.chunkKey;
    this.indexKey = options.indexKey;
    this.packer = new ChunkPacker(options.limits ?? chunkLimits(), options.sizeOf);
  }

  async add(item: T): Promise<void> {
    const closed = this.packer.add(item);
    if (closed) await this.write(closed);
  }

  async finish(): Promise<ChunkList> {
    const last = this.packer.finish();
    if (last) await this.write(last);
    const index: ChunkItem[] = Array.from({ length: this.chunks }, (_, chunk) => ({ chunk }));
    await putJson(this.bucket, this.indexKey, index);
    return { bucket: this.bucket, key: this.indexKey, chunkCount: this.chunks };
  }

  private async write(chunk: T[]): Promise<void> {
    await putJson(this.bucket, this.chunkKey(this.chunks), chunk);
    this.chunks += 1;
  }
}
