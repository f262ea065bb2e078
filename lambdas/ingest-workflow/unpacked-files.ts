import type { UnpackedFile } from '../archive/unpack-sink.ts';
import { config } from '../config.ts';
import { getJson, putJson } from '../storage/s3-objects.ts';
import { unpackedListKey, unpackedPartsKey } from './work-area.ts';

/** A part is written after `config().unpackCheckpointFiles` files, or this many bytes of files, */
const PART_BYTES = 256 * 1024 ** 2;
/** or this long after the previous part: each part is a checkpoint an interrupted unpack resumes from. */
const PART_MILLISECONDS = 30_000;

export interface UnpackedFileWriterOptions {
  /** Parts an earlier, interrupted run already wrote: this writer continues after them. */
  firstPart?: number;
  /** Runs before each part is written: waits until every file in it is stored. */
  beforePart?: () => Promise<void>;
  /** Runs after each part is written, with the parts, files and bytes listed so far. */
  afterPart?: (written: { parts: number; files: number; bytes: number }) => Promise<void>;
  /** Files and bytes the first parts hold (with `firstPart`). */
  listed?: { files: number; bytes: number };
}

/**
 * The unpacker's record of what the archive held, written to S3 in parts as the files stream past,
 * so no step holds the whole list and none of it travels in workflow state. Parts are written in
 * archive order, and often enough (files, bytes, time) to serve as the unpack's checkpoints.
 */
export class UnpackedFileWriter {
  private readonly ingestId: string;
  private readonly options: UnpackedFileWriterOptions;
  private pending: UnpackedFile[] = [];
  private pendingBytes = 0;
  private lastPartAt = Date.now();
  private parts: number;
  private files: number;
  private bytes: number;
  private readonly partFiles = config().unpackCheckpointFiles;

  constructor(ingestId: string, options: UnpackedFileWriterOptions = {}) {
    this.ingestId = ingestId;
    this.options = options;
    this.parts = options.firstPart ?? 0;
    this.files = options.listed?.files ?? 0;
    this.bytes = options.listed?.bytes ?? 0;
  }

  async add(file: UnpackedFile): Promise<void> {
    this.pending.push(file);
    this.pendingBytes += file.size;
    if (
      this.pending.length >= this.partFiles ||
      this.pendingBytes >= PART_BYTES ||
      Date.now() - this.lastPartAt >= PART_MILLISECONDS
    ) {
      await this.flush();
    }
  }

  async finish(): Promise<number> {
    await this.flush();
    await putJson(config().unpackBucket, unpackedPartsKey(this.ingestId), {
      parts: this.parts,
    });
    return this.parts;
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    await this.options.beforePart?.();
    await putJson(config().unpackBucket, unpackedListKey(this.ingestId, this.parts), this.pending);
    this.parts += 1;
    this.files += this.pending.length;
    this.bytes += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.lastPartAt = Date.now();
    await this.options.afterPart?.({ parts: this.parts, files: this.files, bytes: this.bytes });
  }
}

/** The files of the first `parts` parts, in archive order, one part in memory at a time. */
export async function* readUnpackedParts(ingestId: string, parts: number): AsyncGenerator<UnpackedFile> {
  const bucket = config().unpackBucket;
  for (let part = 0; part < parts; part++)
    yield* await getJson<UnpackedFile[]>(bucket, unpackedListKey(ingestId, part));
}

export async function* readUnpackedFiles(ingestId: string): AsyncGenerator<UnpackedFile> {
  const { parts } = await getJson<{ parts: number }>(config().unpackBucket, unpackedPartsKey(ingestId));
  yield* readUnpackedParts(ingestId, parts);
}
