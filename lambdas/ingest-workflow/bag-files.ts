import type { Digests } from '../archive/hashing/algorithms.ts';
import { config } from '../config.ts';
import { putJson } from '../storage/s3-objects.ts';
import { chunkKey } from '../storage/storage-layout.ts';

/**
 * One file of the bag as the later steps need it, written to S3 in chunks (the workflow's Map runs
 * over chunk numbers). `heldBy` is the version holding the bytes: this one for files in the bag,
 * an earlier one for files that came through fetch.txt (those are not copied again).
 */
export interface BagFile {
  /** Path inside the bag, e.g. "data/page-001.tif". */
  name: string;
  size: number;
  /** Lower-case hex; always sha256 (computed while unpacking, or from the earlier version). */
  checksums: Digests;
  heldBy: 'this' | { version: string; path: string };
  /** Payload (under data/) or tag file. */
  kind: 'payload' | 'tag';
}

/** What Register needs besides the files, kept as one small JSON document. */
export interface BagSummary {
  bagRoot: string;
  info: { label: string; value: string }[];
  /** Algorithms of the payload manifests, e.g. ["sha256", "md5"]. */
  manifestAlgorithms: string[];
  chunkCount: number;
  files: number;
  bytes: number;
  /** Files and bytes held by this version (what replication copies). */
  newFiles: number;
  newBytes: number;
}

export const CHUNK_SIZE = 500;

/** Writes the bag's files to S3 in chunks as they come, so no step holds the whole list. */
export class ChunkWriter {
  private readonly ingestId: string;
  private pending: BagFile[] = [];
  private chunks = 0;
  private files = 0;
  private bytes = 0;

  constructor(ingestId: string) {
    this.ingestId = ingestId;
  }

  async add(file: BagFile): Promise<void> {
    this.pending.push(file);
    this.files += 1;
    this.bytes += file.size;
    if (this.pending.length >= CHUNK_SIZE) await this.flush();
  }

  async finish(): Promise<{ chunks: number; files: number; bytes: number }> {
    await this.flush();
    return { chunks: this.chunks, files: this.files, bytes: this.bytes };
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending;
    this.pending = [];
    await putJson(config().unpackBucket, chunkKey(this.ingestId, this.chunks++), chunk);
  }
}
