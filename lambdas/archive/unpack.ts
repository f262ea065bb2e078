import type { Readable } from 'node:stream';
import { ArchiveRefusedError } from './archive-refused-error.ts';
import { explainFailure } from './archive-failure.ts';
import { EntryClaims } from './entry-claims.ts';
import { hashBody, writeBody } from './entry-content.ts';
import { normaliseEntryPath, type EntryNames } from './entry-path.ts';
import type { DigestAlgorithm } from './hashing/algorithms.ts';
import { HashPool } from './hashing/hash-pool.ts';
import { Inflation, quoteArchiveName } from './inflation.ts';
import { TarReader, type TarHeader } from './tar-reader.ts';
import type { UnpackedFile, UnpackSink } from './unpack-sink.ts';

export interface UnpackLimits {
  /** Total bytes of all files once unpacked. */
  maxBytes?: number;
  /** Number of entries (files and directories). */
  maxFiles?: number;
}

export interface UnpackOptions {
  /** How the archive is named in refusal reasons, e.g. the S3 key. */
  archiveName?: string;
  limits?: UnpackLimits;
  /** `storable` unless the archive is only read: see EntryNames. */
  entryNames?: EntryNames;
  /**
   * Which digests to compute for each file, decided when its header is read. A function lets the
   * caller add algorithms as it learns about them (e.g. from manifests met earlier in the archive).
   */
  digests?: readonly DigestAlgorithm[] | ((path: string) => readonly DigestAlgorithm[]);
  /** Called once per stored file, in archive order, after its digests are known. */
  onFile?: (file: UnpackedFile) => Promise<void> | void;
  /** Also return every stored file (convenient for small archives; large ones should use onFile). */
  listFiles?: boolean;
  /** Share hashing threads with other work; otherwise a pool is started and stopped here. */
  hashPool?: HashPool;
  /**
   * Resume an interrupted run: the files it already stored, in archive order (the first regular
   * files of the archive). They are read past without being hashed, written or reported again; the
   * archive is still checked entry by entry (paths, duplicates, limits) from its first byte.
   */
  finished?: AsyncIterator<FinishedFile>;
  /**
   * Keep what was stored when unpacking fails for a reason other than a refused archive, so that a
   * retry can resume from its checkpoint (a refused archive is always discarded).
   */
  keepOnFailure?: boolean;
}

/** A file an earlier run of the same unpack already stored. */
export interface FinishedFile {
  path: string;
  size: number;
}

export interface UnpackResult {
  /** Bytes of regular files stored. */
  bytes: number;
  /** Regular files stored. */
  files: number;
  /** Present when `listFiles` was set. */
  list?: UnpackedFile[];
  /** Of `files`, those an earlier run had stored (see `finished`): read past, not written again. */
  resumed: number;
}

export const DEFAULT_UNPACK_DIGESTS: readonly DigestAlgorithm[] = ['sha256'];

const TAR_BLOCK = 512;
// Digests still being computed for files already written; bounds memory for archives of tiny files.
const MAX_UNREPORTED_FILES = 4096;

/**
 * Stream a tar.gz into a sink: gunzip → tar → sink, hashing each file on the way through, with
 * backpressure from the sink and the hashing threads all the way back to `source`. `source` is the
 * compressed archive, or one already being inflated (see Inflation), which this then owns.
 * Refuses unsafe or broken archives with an ArchiveRefusedError; on any failure the sink is
 * discarded, so nothing partial remains.
 */
export async function unpackArchive(
  source: Readable | Inflation,
  sink: UnpackSink,
  options: UnpackOptions = {},
): Promise<UnpackResult> {
  const pool = options.hashPool ?? new HashPool();
  const unpacker = new Unpacker(source, sink, pool, options);
  try {
    return await unpacker.run();
  } catch (error) {
    unpacker.stop();
    if (options.keepOnFailure && !(error instanceof ArchiveRefusedError)) {
      await sink.settle?.().catch(() => {});
      throw error;
    }
    // The failure itself is what the caller needs to hear about; a failed clean-up is left to the
    // caller's own clean-up of the sink's location.
    await sink.discard().catch(() => {});
    throw error;
  } finally {
    if (!options.hashPool) await pool.close();
  }
}

class Unpacker {
  private readonly name: string;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly claims = new EntryClaims();
  private inflation: Inflation | undefined;
  private readonly result: UnpackResult;
  private entries = 0;
  private reporting: Promise<void> = Promise.resolve();
  private readonly reportQueue: { path: string; size: number; digests: Promise<UnpackedFile['digests']> }[] =
    [];
  private reportingRuns = false;
  private unreported = 0;
  private reportFailure: { error: unknown } | undefined;
  private stopped = false;
  private readonly source: Readable | Inflation;
  private readonly sink: UnpackSink;
  private readonly pool: HashPool;
  private readonly options: UnpackOptions;
  /** Files an earlier run stored and this one has not met yet; undefined once past them. */
  private finished: AsyncIterator<FinishedFile> | undefined;

  constructor(source: Readable | Inflation, sink: UnpackSink, pool: HashPool, options: UnpackOptions) {
    this.source = source;
    this.sink = sink;
    this.pool = pool;
    this.options = options;
    this.name = quoteArchiveName(options.archiveName);
    this.maxBytes = options.limits?.maxBytes ?? Number.MAX_SAFE_INTEGER;
    this.maxFiles = options.limits?.maxFiles ?? Number.MAX_SAFE_INTEGER;
    this.result = { bytes: 0, files: 0, resumed: 0, ...(options.listFiles ? { list: [] } : {}) };
    this.finished = options.finished;
  }

  async run(): Promise<UnpackResult> {
    const inflation =
      this.source instanceof Inflation
        ? this.source
        : new Inflation(this.source, { archiveName: this.options.archiveName });
    this.inflation = inflation;
    const reader = new TarReader(inflation.chunks);
    try {
      for (let header = await reader.next(); header; header = await reader.next()) {
        await this.unpackEntry(reader, header);
        if (this.reportFailure) throw this.reportFailure.error;
      }
      await inflation.fed;
    } catch (error) {
      inflation.destroy();
      throw explainFailure(error, this.name);
    }
    if (reader.offset < reader.endOfLastEntry + TAR_BLOCK) {
      throw new ArchiveRefusedError(
        reader.offset === 0
          ? `Archive ${this.name} is empty: the gzip stream holds no tar data`
          : `Archive ${this.name} is truncated: the tar data has no end-of-archive marker`,
      );
    }
    await this.reporting;
    if (this.reportFailure) throw this.reportFailure.error;
    return this.result;
  }

  /** Files still waiting for their digests are no longer reported. */
  stop(): void {
    this.stopped = true;
  }

  private async unpackEntry(reader: TarReader, header: TarHeader): Promise<void> {
    const named = normaliseEntryPath(header.name, this.options.entryNames);
    if (!named.ok) throw new ArchiveRefusedError(named.problem);
    const path = named.path;
    // Quoted only for a refusal: most archives never need it, and it costs per entry.
    const quoted = () => JSON.stringify(header.name);
    if (header.type !== 'file') this.refuseSpecialEntry(header, quoted());
    if (++this.entries > this.maxFiles) {
      throw new ArchiveRefusedError(
        `Archive ${this.name} has more than ${this.maxFiles} entries (the limit) at entry ${quoted()}`,
      );
    }
    if (header.type === 'directory') {
      this.claims.claimDirectory(path, quoted);
      return;
    }
    if (path === '') throw new ArchiveRefusedError(`Archive entry ${quoted()} is a file without a name`);
    this.claims.claimFile(path, quoted);
    if (this.result.bytes + header.size > this.maxBytes) {
      throw new ArchiveRefusedError(
        `Archive ${this.name} expands beyond the limit of ${this.maxBytes} bytes at entry ${quoted()}`,
      );
    }
    const digests = this.digestsFor(path); // also for a finished file: the plan learns from every path
    if (this.finished && (await this.skipFinished(path, header.size, quoted()))) return;
    // While gunzip is the slower side, hashing here costs no time and saves sending the bytes.
    const hash = this.pool.stream(digests, header.size, { preferHere: this.inflation?.chunks.readerIsAhead });
    try {
      if (this.sink.wantsContent?.(path, header.size) === false) {
        const hashing = hashBody(reader, hash);
        if (hashing) await hashing;
      } else {
        const bytes = await writeBody(reader, hash, (content) =>
          this.sink.writeFile(path, header.size, content),
        );
        if (bytes !== header.size) {
          throw new Error(`Archive entry ${quoted()}: the sink consumed ${bytes} of ${header.size} bytes`);
        }
      }
    } catch (error) {
      hash.digest().catch(() => {}); // release the hashing stream; its digests are no longer wanted
      throw error;
    }
    this.result.bytes += header.size;
    this.result.files += 1;
    this.report(path, header.size, hash.digest());
    if (this.unreported > MAX_UNREPORTED_FILES) await this.reporting;
  }

  /**
   * True when an earlier run stored this file (the reader then passes over its content); false once
   * past every such file.
   */
  private async skipFinished(path: string, size: number, quoted: string): Promise<boolean> {
    const next = await (this.finished as AsyncIterator<FinishedFile>).next();
    if (next.done) {
      this.finished = undefined;
      return false;
    }
    if (next.value.path !== path || next.value.size !== size) {
      // Not a refusal: the archive is the one the checkpoint was taken from (the caller checks), so
      // this is a checkpoint that cannot be trusted, and nothing may be skipped on its word.
      throw new Error(
        `The unpack checkpoint does not match archive ${this.name} at entry ${quoted}: it lists ${JSON.stringify(next.value.path)} (${next.value.size} bytes)`,
      );
    }
    this.result.bytes += size;
    this.result.files += 1;
    this.result.resumed += 1;
    return true;
  }

  private refuseSpecialEntry(header: TarHeader, quoted: string): void {
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
      case 'directory':
        return;
      case 'symlink':
        throw new ArchiveRefusedError(
          `Archive entry ${quoted} is a symbolic link (to ${JSON.stringify(header.linkname)}); links are not allowed`,
        );
      case 'link':
        throw new ArchiveRefusedError(
          `Archive entry ${quoted} is a hard link (to ${JSON.stringify(header.linkname)}); links are not allowed`,
        );
      case 'character-device':
      case 'block-device':
        throw new ArchiveRefusedError(`Archive entry ${quoted} is a ${header.type}; only files are allowed`);
      case 'fifo':
        throw new ArchiveRefusedError(`Archive entry ${quoted} is a FIFO; only files are allowed`);
      case 'unsupported':
        throw new ArchiveRefusedError(`Archive entry ${quoted} has an unsupported tar entry type`);
    }
  }

  private digestsFor(path: string): readonly DigestAlgorithm[] {
    const digests = this.options.digests ?? DEFAULT_UNPACK_DIGESTS;
    return typeof digests === 'function' ? digests(path) : digests;
  }

  // Digests arrive later than the bytes (the hashing threads batch small files), so files wait in a
  // queue that one loop reports from in archive order, without holding up the unpacking (a promise
  // chain link per file cost more than the reporting itself on archives of small files).
  private report(path: string, size: number, digests: Promise<UnpackedFile['digests']>): void {
    this.unreported++;
    this.reportQueue.push({ path, size, digests });
    if (!this.reportingRuns) {
      this.reportingRuns = true;
      this.reporting = this.reportQueued();
    }
  }

  private async reportQueued(): Promise<void> {
    const queue = this.reportQueue;
    try {
      while (queue.length > 0) {
        const waiting = queue.splice(0);
        for (const { path, size, digests } of waiting) {
          try {
            if (this.reportFailure || this.stopped) {
              digests.catch(() => {});
              continue;
            }
            const file = { path, size, digests: await digests };
            this.result.list?.push(file);
            const reported = this.options.onFile?.(file);
            if (reported) await reported;
          } catch (error) {
            this.reportFailure = { error };
          } finally {
            this.unreported--;
          }
        }
      }
    } finally {
      this.reportingRuns = false;
    }
  }
}
