import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { UnpackSink } from './unpack-sink.ts';

/**
 * A sink that stores nothing but the files a caller asks to keep, in memory. Used to verify an
 * archive in one streaming pass: payload bytes are hashed on the way through and dropped, while the
 * small tag files needed to read the bag are kept. Keeping stops at `maxKeptBytes`; the caller can
 * go back to the archive for anything it still needs.
 */
export class MemorySink implements UnpackSink {
  readonly kept = new Map<string, Buffer>();
  private keptBytes = 0;
  private readonly keep: (path: string, size: number) => boolean;
  private readonly maxKeptBytes: number;

  constructor(keep: (path: string, size: number) => boolean, maxKeptBytes = 64 << 20) {
    this.keep = keep;
    this.maxKeptBytes = maxKeptBytes;
  }

  wantsContent(path: string, size: number): boolean {
    return this.keep(path, size) && this.keptBytes + size <= this.maxKeptBytes;
  }

  async writeFile(path: string, size: number, content: Readable): Promise<void> {
    if (!this.wantsContent(path, size)) {
      content.resume();
      await finished(content);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of content) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    this.kept.set(path, bytes);
    this.keptBytes += bytes.length;
  }

  async discard(): Promise<void> {
    this.kept.clear();
    this.keptBytes = 0;
  }
}
