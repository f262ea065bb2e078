import { close, read } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * A file's bytes written into a stream through two buffers in turn; each is read into again only
 * once the stream has taken what it held (its write callback: zlib calls it when it is done with
 * the input). A file read stream allocates a new buffer for every read instead, and on an archive
 * of a few hundred MB that is tens of thousands of fresh pages the kernel maps and zeroes while zlib
 * and hashing run beside it.
 */
export class FileFeed {
  /** The file's first bytes, already read (by the caller, before anything else). */
  readonly head: Buffer;
  /** Whether `head` is the whole file. */
  readonly headIsAll: boolean;
  private readonly fd: number;
  private readonly readBytes: number;
  private stopped = false;
  private feeding = false;
  private open = true;

  /** Takes over `fd` (closes it when the feed ends); `into` writes the bytes after `head`. */
  constructor(fd: number, head: Buffer, headIsAll: boolean, readBytes: number) {
    this.fd = fd;
    this.head = head;
    this.headIsAll = headIsAll;
    this.readBytes = readBytes;
  }

  /**
   * Writes the file into `stream` and ends it; settles once the stream has finished with all of it.
   * Rejects with the stream's own error when it fails (e.g. zlib on corrupt data), not with what a
   * write refused because of it.
   */
  async into(stream: Writable): Promise<void> {
    const done = finished(stream, { readable: false });
    done.catch(() => undefined);
    this.feeding = true;
    try {
      await this.write(stream, done);
      stream.end();
    } catch (error) {
      if (!stream.destroyed) stream.destroy(error as Error);
      await done;
      throw error;
    } finally {
      this.close();
    }
    await done;
  }

  /** Stops reading (the stream is not wanted any more). */
  destroy(): void {
    this.stopped = true;
    // While feeding, a read may be under way: the file is closed once it is back (a number closed
    // now could be reused by the next open and read from).
    if (!this.feeding) this.close();
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    close(this.fd, () => undefined);
  }

  /** `ended`: settles when the stream is done, e.g. destroyed, which may leave a write's callback uncalled. */
  private async write(stream: Writable, ended: Promise<void>): Promise<void> {
    const buffers = [Buffer.allocUnsafe(this.readBytes), Buffer.allocUnsafe(this.readBytes)];
    const taken: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    let position = this.head.length;
    for (let turn = 0; ; turn ^= 1) {
      await Promise.race([taken[turn], ended]);
      if (this.stopped || stream.destroyed) throw new Error('The file feed was stopped');
      const buffer = buffers[turn];
      const bytesRead = await readInto(this.fd, buffer, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      taken[turn] = new Promise((resolve, reject) =>
        stream.write(buffer.subarray(0, bytesRead), (error) => (error ? reject(error) : resolve())),
      );
      // Written but not yet taken: seen by the next wait on this buffer or, at the end, below.
      taken[turn].catch(() => undefined);
    }
    await Promise.race([Promise.all(taken), ended]);
  }
}

function readInto(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, 0, buffer.length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead),
    ),
  );
}
