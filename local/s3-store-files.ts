import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, open, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadBuffers } from './s3-read-buffers.ts';
import type { FilesystemStore } from './s3-store-index.ts';

const require = createRequire(import.meta.url);
const S3Object = require('s3rver/lib/models/object.js') as (new (
  bucket: string,
  key: string,
  content: Readable | null,
  metadata: Record<string, unknown>,
) => { range?: { start: number; end: number } }) & { ALLOWED_METADATA: string[] };
const S3Bucket = require('s3rver/lib/models/bucket.js') as new (name: string, creationDate: Date) => unknown;

/**
 * Objects up to this size are read in one synchronous call (from the page cache that takes
 * microseconds, less than handing the reads to libuv's thread pool and back) and received whole.
 */
export const SMALL_OBJECT_BYTES = 1024 * 1024;

type Metadata = Record<string, unknown>;

/**
 * Where the MD5 of an object's bytes is kept: in its metadata file, written last (s3rver keeps it in
 * a third file of its own, which is still read for objects written that way).
 */
const MD5_FIELD = 'bagvault-md5';
type StoredObject = { bucket: string; key: string; content: Readable | Buffer; metadata: Metadata };

/** The part of s3rver's FilesystemStore whose file work this module replaces. */
export interface StoreFiles extends FilesystemStore {
  getBucket(bucket: string): Promise<unknown>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<unknown>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: Metadata, md5?: string): Promise<void>;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function copyIfPresent(from: string, to: string): Promise<void> {
  try {
    await copyFile(from, to);
  } catch (error) {
    if (!isMissing(error)) throw error;
    await rm(to, { force: true });
  }
}

/** Removes a file that is rarely there, asking the thread pool only when it is. */
async function removeIfPresent(path: string): Promise<void> {
  if (existsSync(path)) await rm(path, { force: true });
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** The metadata s3rver keeps of a request's headers (lib/stores/filesystem.js putMetadata). */
function storedMetadata(headers: Metadata): Metadata {
  const kept: Metadata = {};
  for (const name of S3Object.ALLOWED_METADATA) if (name in headers) kept[name] = headers[name];
  for (const [name, value] of Object.entries(headers)) if (name.startsWith('x-amz-meta-')) kept[name] = value;
  return kept;
}

/**
 * The length of a body to read whole: a buffer, or a request whose Content-Length is small (not the
 * parts of a multipart upload, nor a request without a length, which stream).
 */
function smallBody(content: Readable | Buffer): number | undefined {
  if (Buffer.isBuffer(content)) return content.length;
  if (!(content instanceof IncomingMessage)) return undefined;
  const length = Number(content.headers['content-length']);
  return Number.isInteger(length) && length <= SMALL_OBJECT_BYTES ? length : undefined;
}

/**
 * A small body as the chunks it arrived in: joining them would allocate the object's size once more,
 * and every such allocation in this thread brings V8's next full garbage collection nearer.
 */
async function bodyChunks(content: Readable, limit: number): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of content) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length > limit) throw new Error('The request body is longer than its Content-Length');
  }
  return chunks;
}

/** Writes `chunks` to a new or truncated file in one write call where the system allows. */
async function writeChunks(path: string, chunks: Buffer[]): Promise<number> {
  const file = await open(path, 'w');
  try {
    let written = 0;
    let rest = chunks;
    for (;;) {
      const wanted = rest.reduce((total, chunk) => total + chunk.length, 0);
      if (wanted === 0) return written;
      const { bytesWritten } = await file.writev(rest);
      written += bytesWritten;
      if (bytesWritten === wanted) return written;
      // A short write (rare for a file): go on from the first byte not written.
      let skip = bytesWritten;
      const remaining: Buffer[] = [];
      for (const chunk of rest) {
        if (skip >= chunk.length) skip -= chunk.length;
        else {
          remaining.push(skip > 0 ? chunk.subarray(skip) : chunk);
          skip = 0;
        }
      }
      rest = remaining;
    }
  } finally {
    await file.close();
  }
}

/**
 * s3rver does the file work of every request through fs-extra's asynchronous calls: a stat of the
 * bucket, a stat and two reads of the object's side files (metadata JSON, MD5), parent directories
 * checked one by one before a copy. That is a dozen thread-pool round trips for a GET and about thirty
 * for a copy, each one waking another thread, and it was most of the local S3's CPU time during an
 * ingest. The server has a thread of its own (local/server-thread.ts), so here what only reads (stats,
 * the side files, objects up to SMALL_OBJECT_BYTES) is done synchronously: from the page cache that
 * takes microseconds. What writes stays asynchronous, in as few calls as it takes (one per file):
 * creating a file can wait on the disk's journal, and the thread keeps serving meanwhile. An object's
 * MD5 goes into its metadata file, one file fewer to create per write. The bytes are written first
 * and the metadata last, as s3rver does (which local/s3-repair.ts relies on after a crash).
 */
export function syncObjectFiles(store: StoreFiles, buffers: ReadBuffers): void {
  const objectPath = (bucket: string, key: string) => store.getResourcePath(bucket, key, 'object');
  const metadataPath = (bucket: string, key: string) => store.getResourcePath(bucket, key, 'metadata.json');

  store.getBucket = async (bucket) => {
    try {
      const stat = statSync(store.getBucketPath(bucket));
      return stat.isDirectory() ? new S3Bucket(bucket, stat.birthtime) : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  };

  store.existsObject = async (bucket, key) => {
    try {
      statSync(objectPath(bucket, key));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  };

  const computeMetadata = store.getMetadata.bind(store);
  store.getMetadata = async (bucket, key) => {
    // Throws ENOENT for a missing object, as s3rver's does.
    const stat = statSync(objectPath(bucket, key));
    const json = readIfPresent(metadataPath(bucket, key));
    const { [MD5_FIELD]: kept, ...stored } = json === undefined ? {} : (JSON.parse(json) as Metadata);
    const md5 = (kept as string | undefined) ?? readIfPresent(`${objectPath(bucket, key)}.md5`);
    // Neither: s3rver computes the MD5 from the bytes and keeps it in a file of its own.
    if (md5 === undefined) return computeMetadata(bucket, key);
    return {
      ...stored,
      etag: JSON.stringify(md5),
      'last-modified': stat.mtime.toUTCString(),
      'content-length': stat.size,
    };
  };

  store.putMetadata = async (bucket, key, metadata, md5) => {
    const stored = storedMetadata(metadata);
    if (md5) {
      stored[MD5_FIELD] = md5;
      // An MD5 file left by s3rver for an object that was at the key before describes other bytes.
      // Looked for first: almost never there, and a removal is a round trip to the thread pool.
      await removeIfPresent(`${objectPath(bucket, key)}.md5`);
    }
    await writeFile(metadataPath(bucket, key), JSON.stringify(stored, null, 2));
  };

  store.putObject = async (object) => {
    const path = objectPath(object.bucket, object.key);
    mkdirSync(dirname(path), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const small = smallBody(object.content);
    if (small !== undefined) {
      const chunks = Buffer.isBuffer(object.content)
        ? [object.content]
        : await bodyChunks(object.content, small);
      size = await writeChunks(path, chunks);
      for (const chunk of chunks) md5.update(chunk);
    } else {
      // Until the file is written and closed: s3rver's own answers once the bytes have gone past
      // its hash, so a read right after the PUT could find the file short.
      await pipeline(
        object.content,
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            md5.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(path),
      );
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };

  const streamFromFile = store.getObject.bind(store);
  store.getObject = async (bucket, key, options) => {
    let metadata: Metadata;
    try {
      metadata = await store.getMetadata(bucket, key);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    const size = Number(metadata['content-length']);
    if (size > SMALL_OBJECT_BYTES) return streamFromFile(bucket, key, options);
    // Ranges as s3rver computes them, served from one read of the file.
    const lastByte = Math.max(0, size - 1);
    const range = { start: options?.start || 0, end: Math.min(options?.end || Infinity, lastByte) };
    const ranged = options !== undefined && (options.start !== undefined || Boolean(options.end));
    if (range.start < 0 || range.end < range.start) {
      const object = new S3Object(bucket, key, null, metadata);
      if (ranged) object.range = range;
      return object;
    }
    let read: ReturnType<ReadBuffers['readFile']>;
    try {
      read = buffers.readFile(objectPath(bucket, key), SMALL_OBJECT_BYTES);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    // Grown past the limit since its metadata was read: streamed like any large object.
    if (!read) return streamFromFile(bucket, key, options);
    const content = Readable.from([read.bytes.subarray(range.start, range.end + 1)], { objectMode: false });
    buffers.lend(content, read.buffer);
    const object = new S3Object(bucket, key, content, metadata);
    if (ranged) object.range = range;
    return object;
  };

  /** The MD5 of an object's bytes as recorded, without computing it. */
  const md5Of = async (bucket: string, key: string): Promise<string | undefined> => {
    const json = readIfPresent(metadataPath(bucket, key));
    const kept = json === undefined ? undefined : (JSON.parse(json) as Metadata)[MD5_FIELD];
    return (kept as string | undefined) ?? readIfPresent(`${objectPath(bucket, key)}.md5`);
  };

  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, replacement) => {
    const [source, target] = [objectPath(srcBucket, srcKey), objectPath(destBucket, destKey)];
    if (source !== target) {
      mkdirSync(dirname(target), { recursive: true });
      await copyFile(source, target);
      if (!replacement) {
        await copyFile(metadataPath(srcBucket, srcKey), metadataPath(destBucket, destKey));
        await copyIfPresent(`${source}.md5`, `${target}.md5`);
      }
    }
    if (replacement) {
      // New metadata over the source's bytes, so the source's MD5 (s3rver would answer the MD5 of
      // whatever object was at the key before, or read the copy again to compute one).
      const md5 = await md5Of(srcBucket, srcKey);
      if (md5 === undefined && source !== target) await removeIfPresent(`${target}.md5`);
      await store.putMetadata(destBucket, destKey, replacement as Metadata, md5);
    }
    return store.getMetadata(destBucket, destKey);
  };
}
