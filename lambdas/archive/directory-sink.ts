import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UnpackSink } from './unpack-sink.ts';

/**
 * Writes unpacked files under a root directory and nowhere else. Files are created exclusively
 * (never overwriting, never following a link planted at the target), and `discard` removes exactly
 * what this sink created.
 */
export class DirectorySink implements UnpackSink {
  readonly root: string;
  private readonly createdDirectories = new Set<string>();
  private readonly createdTopLevel = new Set<string>();
  private rootCreated: boolean | undefined;
  private readonly writing = new Set<Promise<void>>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  async writeFile(path: string, size: number, content: Readable): Promise<void> {
    const writing = this.write(path, size, content);
    this.writing.add(writing);
    try {
      await writing;
    } finally {
      this.writing.delete(writing);
    }
  }

  async discard(): Promise<void> {
    // A write still in flight could otherwise recreate what is about to be removed.
    await Promise.allSettled(this.writing);
    if (this.rootCreated) {
      await rm(this.root, { recursive: true, force: true });
      return;
    }
    for (const top of this.createdTopLevel) await rm(join(this.root, top), { recursive: true, force: true });
  }

  private async write(path: string, _size: number, content: Readable): Promise<void> {
    const target = this.resolveInside(path);
    await this.ensureParent(path, target);
    this.createdTopLevel.add(path.split('/')[0]);
    await pipeline(content, createWriteStream(target, { flags: 'wx', highWaterMark: 1 << 20 }));
  }

  // Entry paths are already normalised by the unpacker; this check is the sink's own guarantee.
  private resolveInside(path: string): string {
    const target = resolve(this.root, path);
    const inside = relative(this.root, target);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new Error(`Refusing to write ${JSON.stringify(path)} outside ${this.root}`);
    }
    return target;
  }

  private async ensureParent(path: string, target: string): Promise<void> {
    if (this.rootCreated === undefined) {
      this.rootCreated = (await mkdir(this.root, { recursive: true })) !== undefined;
    }
    const parent = dirname(target);
    if (parent === this.root || this.createdDirectories.has(parent)) return;
    this.createdTopLevel.add(path.split('/')[0]);
    await mkdir(parent, { recursive: true });
    this.createdDirectories.add(parent);
  }
}
