import type { Readable } from 'node:stream';
import type { ChunkSource } from './tar-reader.ts';

/**
 * A stream's chunks pulled one at a time, as they are (no copies, no concatenation). The stream
 * flows into a short queue and is paused while the queue holds `limit` bytes.
 *
 * This is what lets gunzip and the tar reader run side by side: zlib hands over a chunk inside its
 * completion callback and starts decompressing the next one when the callback returns, so a reader
 * that did its work inside the 'data' event (as pipe() does) would keep zlib waiting all along.
 * Here the event only queues the chunk, and the reader runs after zlib has been set going again.
 */
export class ChunkQueue implements ChunkSource {
  private readonly stream: Readable;
  private readonly limit: number;
  private chunks: (Buffer | undefined)[] = [];
  private head = 0;
  private queued = 0;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private waiter:
    { resolve: (chunk: Buffer | undefined) => void; reject: (error: unknown) => void } | undefined;
  /** Above 0 while the reader mostly waits for chunks, below while the stream mostly waits for it. */
  private balance = 0;

  constructor(stream: Readable, limit: number) {
    this.stream = stream;
    this.limit = limit;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('error', (error) => this.fail(error));
    stream.on('close', () => {
      if (!this.ended) this.fail(new Error('The decompressed stream closed before its end'));
    });
  }

  /** The stream (or what feeds it) failed: `next()` rejects once the chunks before it are read. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.wake();
  }

  /**
   * Whether the stream is the slower side lately (the reader finds the queue empty more often than
   * the stream finds it full): then work the reader adds per chunk costs no time.
   */
  get readerIsAhead(): boolean {
    return this.balance > 0;
  }

  next(): Promise<Buffer | undefined> {
    if (this.head < this.chunks.length) return Promise.resolve(this.shift());
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.ended) return Promise.resolve(undefined);
    this.balance = this.balance * DECAY + 1;
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  private onData(chunk: Buffer): void {
    const waiter = this.waiter;
    if (waiter && !this.failure) {
      this.waiter = undefined;
      waiter.resolve(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.queued += chunk.length;
    if (this.queued >= this.limit) {
      this.balance = this.balance * DECAY - 1;
      this.stream.pause();
    }
  }

  private shift(): Buffer {
    const chunk = this.chunks[this.head] as Buffer;
    this.chunks[this.head++] = undefined;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    }
    this.queued -= chunk.length;
    if (this.queued < this.limit && this.stream.isPaused() && !this.ended) this.stream.resume();
    return chunk;
  }

  private wake(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    if (this.head < this.chunks.length) waiter.resolve(this.shift());
    else if (this.failure) waiter.reject(this.failure.error);
    else waiter.resolve(undefined);
  }
}

// How fast the balance forgets: about the last ten waits count.
const DECAY = 0.9;
