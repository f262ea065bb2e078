import type { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { UnpackSink } from '../archive/unpack-sink.ts';
import { s3 } from '../aws-clients.ts';
import { ReusedBuffers } from './reused-buffers.ts';
import { deletePrefix } from './s3-objects.ts';

/** S3's limit for one PUT; larger files go up in parts. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3;
/** Files up to this size are buffered and uploaded in the background, many at a time. */
const SMALL_FILE = 1024 * 1024;
/**
 * Small-file PUTs in flight at most: a bag of many small files is paced by request latency, not
 * bandwidth, so more requests in flight is more files per second. Kept under the SDK's default of
 * 50 sockets per client, so that the checkpoint and large-file requests are not queued behind them.
 */
export const SMALL_FILES_IN_FLIGHT = 48;
/** Bytes of small files buffered for those PUTs at most: memory stays bounded whatever the bag. */
export const SMALL_FILE_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * Unpacks into one S3 prefix: keys are `{prefix}{path}`, and `path` is already normalised by the
 * unpacker (relative, no `..`), so nothing lands outside the prefix.
 * - Small files (≤ 1 MiB) are read into memory and PUT in the background, at most 48 at a time and
 *   32 MiB of buffers in all, so a bag of many small files is not paced by one request's latency.
 * - Larger files stream in one PUT up to 5 GiB (the tar header gives the length), and in parts
 *   with bounded buffers (4 × 64 MiB) beyond. Memory never depends on a file's size.
 * `settle()` waits for the background uploads and reports the first that failed.
 */
export class S3PrefixSink implements UnpackSink {
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly inFlight = new Set<Promise<void>>();
  private bufferedBytes = 0;
  private failure: unknown;
  private readonly smallFilesInFlight: number;
  private readonly buffers = new ReusedBuffers(SMALL_FILE_BUFFER_BYTES);

  /** `smallFilesInFlight`: the benchmark compares the old bound (16) with the default. */
  constructor(bucket: string, prefix: string, options: { smallFilesInFlight?: number } = {}) {
    if (!prefix.endsWith('/')) throw new Error(`An unpack prefix must end with "/": ${prefix}`);
    this.bucket = bucket;
    this.prefix = prefix;
    this.smallFilesInFlight = options.smallFilesInFlight ?? SMALL_FILES_IN_FLIGHT;
  }

  async writeFile(path: string, size: number, content: Readable): Promise<void> {
    if (this.failure) throw this.failure;
    const target = { Bucket: this.bucket, Key: `${this.prefix}${path}` };
    if (size <= SMALL_FILE) {
      // Gathered into a reused buffer, given back once its PUT has settled (the SDK's retries, which
      // send the body again, happen before that): one buffer allocated per file would bring the
      // thread's next full garbage collection nearer every few hundred files.
      const buffer = this.buffers.take(size);
      let length = 0;
      for await (const chunk of content) {
        if (length + (chunk as Buffer).length > size) {
          throw new Error(`${path}: more than the ${size} bytes its archive entry declares`);
        }
        (chunk as Buffer).copy(buffer, length);
        length += (chunk as Buffer).length;
      }
      const body = buffer.subarray(0, length);
      this.inBackground(s3().send(new PutObjectCommand({ ...target, Body: body })), buffer.length, () =>
        this.buffers.give(buffer),
      );
      while (this.inFlight.size >= this.smallFilesInFlight || this.bufferedBytes >= SMALL_FILE_BUFFER_BYTES) {
        await Promise.race(this.inFlight);
      }
      return;
    }
    if (size <= MAX_SINGLE_PUT) {
      await s3().send(new PutObjectCommand({ ...target, Body: content, ContentLength: size }));
      return;
    }
    const upload = new Upload({
      client: s3(),
      params: { ...target, Body: content },
      queueSize: 4,
      partSize: 64 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  /** Every file written so far is stored (the unpack checkpoint is taken only after this). */
  async settle(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  async discard(): Promise<void> {
    await Promise.all(this.inFlight);
    await deletePrefix(this.bucket, this.prefix);
  }

  private inBackground(request: Promise<unknown>, bytes: number, settled: () => void): void {
    this.bufferedBytes += bytes;
    const tracked: Promise<void> = request.then(
      () => undefined,
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => {
      this.inFlight.delete(tracked);
      this.bufferedBytes -= bytes;
      settled();
    });
  }
}
