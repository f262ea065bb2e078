import { Readable } from 'node:stream';
import type tar from 'tar-stream';
import type { StreamHash } from './hashing/stream-hash.ts';

/** What tar-stream hands out per entry (its own type for it is not exported). */
export interface TarEntry extends AsyncIterable<Buffer> {
  header: tar.Header;
  /** Position of the entry's header in the tar stream. */
  offset: number;
  on(event: 'data', listener: (chunk: Buffer) => void): void;
  on(event: 'end', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'close', listener: () => void): void;
  pause(): void;
  resume(): void;
}

/**
 * Bytes of one tar entry, hashed on their way to the sink. Pushing from the entry's events, pausing it
 * when the sink or the hashing threads fall behind, costs far less per file than async iteration,
 * which matters for archives of many small files.
 */
export class EntryContent extends Readable {
  bytes = 0;
  private readonly entry: TarEntry;
  private pendingHash: Promise<void> | undefined;
  private wanted = true;

  constructor(entry: TarEntry, hash: StreamHash) {
    super({ highWaterMark: 1 << 20 });
    this.entry = entry;
    entry.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      const waitForHash = hash.update(chunk);
      this.wanted = this.push(chunk);
      if (waitForHash) {
        this.pendingHash = waitForHash.then(
          () => {
            this.pendingHash = undefined;
            if (this.wanted) entry.resume();
          },
          (error: Error) => {
            this.destroy(error);
          },
        );
      }
      if (waitForHash || !this.wanted) entry.pause();
    });
    let ended = false;
    entry.on('end', () => {
      ended = true;
      this.push(null);
    });
    entry.on('error', (error: Error) => this.destroy(error));
    // The unpack pipeline reports a broken archive itself; a sink that has already stopped reading
    // this entry must not turn the same error into an uncaught exception (which ends a Lambda).
    this.on('error', () => {});
    entry.on('close', () => {
      if (!ended) this.destroy(new Error('The archive entry ended early'));
    });
  }

  override _read(): void {
    this.wanted = true;
    if (!this.pendingHash) this.entry.resume();
  }

  /** Resolves once every byte pushed so far has been handed to the hashing threads. */
  async hashed(): Promise<void> {
    await this.pendingHash;
  }
}

/** Hash an entry the sink does not want the bytes of. */
export function hashOnly(entry: TarEntry, hash: StreamHash): Promise<void> {
  return new Promise((resolve, reject) => {
    entry.on('data', (chunk: Buffer) => {
      const waitForHash = hash.update(chunk);
      if (!waitForHash) return;
      entry.pause();
      waitForHash.then(() => entry.resume(), reject);
    });
    entry.on('end', resolve);
    entry.on('error', reject);
    entry.on('close', () => reject(new Error('The archive entry ended early')));
  });
}

/** Read past an entry whose bytes are neither stored nor hashed. */
export function skipContent(entry: TarEntry): Promise<void> {
  return new Promise((resolve, reject) => {
    entry.on('end', resolve);
    entry.on('error', reject);
    entry.on('close', () => reject(new Error('The archive entry ended early')));
    entry.resume();
  });
}
