import { Readable } from 'node:stream';
import type { Digests } from '../archive/hashing/algorithms.ts';
import type { HashPool } from '../archive/hashing/hash-pool.ts';
import { MemorySink } from '../archive/memory-sink.ts';
import { unpackArchive, type UnpackLimits } from '../archive/unpack.ts';
import type { BagStore, HashOutcome, HashRequest, StoredFile } from './bag-store.ts';

/**
 * The files of a tar.gz that has been streamed through once, without keeping the payload: what was
 * kept (the tag files needed to read the bag) is served from memory, and anything else is found by
 * streaming the archive again, all requests of a kind in a single pass. Nothing here is stored, so
 * entry names are read as a bag may hold them (see EntryNames).
 */
export class ArchiveBagStore implements BagStore {
  private readonly files: StoredFile[];
  private readonly kept: Map<string, Buffer>;
  private readonly openArchive: () => Readable;
  private readonly limits: UnpackLimits | undefined;

  constructor(
    files: StoredFile[],
    kept: Map<string, Buffer>,
    openArchive: () => Readable,
    limits?: UnpackLimits,
  ) {
    this.files = files;
    this.kept = kept;
    this.openArchive = openArchive;
    this.limits = limits;
  }

  async *listFiles(): AsyncIterable<StoredFile> {
    yield* this.files;
  }

  listedFiles(): readonly StoredFile[] {
    return this.files;
  }

  async readFile(path: string): Promise<Readable> {
    let bytes = this.kept.get(path);
    if (!bytes) {
      const sink = new MemorySink((candidate) => candidate === path, Number.MAX_SAFE_INTEGER);
      await unpackArchive(this.openArchive(), sink, {
        digests: [],
        limits: this.limits,
        entryNames: 'readable',
      });
      bytes = sink.kept.get(path);
      if (!bytes) throw new Error(`${path} is not in the archive`);
    }
    return Readable.from([bytes]);
  }

  async *hashFiles(requests: readonly HashRequest[], pool: HashPool): AsyncIterable<HashOutcome> {
    const wanted = new Map(requests.map((request) => [request.path, request.algorithms]));
    const found: HashOutcome[] = [];
    await unpackArchive(this.openArchive(), new MemorySink(() => false), {
      digests: (path) => wanted.get(path) ?? [],
      limits: this.limits,
      entryNames: 'readable',
      hashPool: pool,
      onFile: (file) => {
        if (wanted.has(file.path)) found.push({ path: file.path, digests: file.digests as Digests });
      },
    });
    yield* found;
  }
}
