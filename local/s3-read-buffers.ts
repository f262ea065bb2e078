import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ReusedBuffers } from '../lambdas/storage/reused-buffers.ts';

/** Idle buffers kept for reuse at most, in bytes over all sizes. */
const IDLE_BYTES = 32 * 1024 * 1024;

/**
 * Buffers the local S3 reads small objects into, each reused once the response that sent it has
 * closed. A fresh buffer per GET costs more than the read: V8 counts every buffer allocated from
 * JavaScript towards its next full collection, and a replica's read-back (one GET per file) made the
 * S3 thread collect its whole heap every few hundred requests (18 full collections per 3,000 GETs of
 * 100 KB, about a third of its CPU time for them). A buffer goes back to the pool only when the
 * response that carried it emits 'close': after its last byte was handed to the socket, or after
 * the connection died and its writes were cancelled. A body that never becomes a response (HEAD, a
 * part copy's source) keeps its buffer, which the collector frees as before.
 */
export class ReadBuffers {
  private readonly pool = new ReusedBuffers(IDLE_BYTES);
  private readonly owners = new WeakMap<Readable, Buffer>();

  /**
   * The bytes of the file at `path` (at most `limit` of them, else undefined: stream it instead), in
   * a buffer of the pool; `lend` it to the stream that carries them.
   */
  readFile(path: string, limit: number): { bytes: Buffer; buffer: Buffer } | undefined {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > limit) return undefined;
      const buffer = this.pool.take(size);
      let read = 0;
      while (read < size) {
        const got = readSync(fd, buffer, read, size - read, read);
        if (got === 0) break; // shortened meanwhile: as readFileSync, what is there
        read += got;
      }
      return { bytes: buffer.subarray(0, read), buffer };
    } finally {
      closeSync(fd);
    }
  }

  /** `buffer` returns to the pool when the response whose body `stream` becomes has closed. */
  lend(stream: Readable, buffer: Buffer): void {
    this.owners.set(stream, buffer);
  }

  /** Koa middleware, first in the chain: hands the body's buffer back once its response has closed. */
  readonly middleware = async (
    context: { body: unknown; res: ServerResponse },
    next: () => Promise<void>,
  ): Promise<void> => {
    await next();
    const buffer = this.owners.get(context.body as Readable);
    if (!buffer) return;
    this.owners.delete(context.body as Readable);
    context.res.once('close', () => this.pool.give(buffer));
  };
}
