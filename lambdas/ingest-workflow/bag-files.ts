import type { Digests } from '../archive/hashing/algorithms.ts';
import { config } from '../config.ts';
import { getJson, putJson } from '../storage/s3-objects.ts';
import { bagSummaryKey, chunkKey } from './work-area.ts';

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

export function readBagSummary(ingestId: string): Promise<BagSummary> {
  return getJson<BagSummary>(config().unpackBucket, bagSummaryKey(ingestId));
}

export function writeBagSummary(ingestId: string, summary: BagSummary): Promise<void> {
  return putJson(config().unpackBucket, bagSummaryKey(ingestId), summary);
}

export function readChunk(ingestId: string, chunk: number): Promise<BagFile[]> {
  return getJson<BagFile[]>(config().unpackBucket, chunkKey(ingestId, chunk));
}
