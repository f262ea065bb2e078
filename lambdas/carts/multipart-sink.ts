import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { logger } from '../observability.ts';
import type { PartPlan } from './part-size.ts';

export interface MultipartSinkOptions extends PartPlan {
  bucket: string;
  key: string;
  /** The object's exact size, known up front: the last part is what remains. */
  totalBytes: number;
  contentType?: string;
  /** Runs before each part is sent; throwing stops the upload (e.g. the cart was deleted). */
  beforePart?: () => Promise<void>;
}

/** Where an upload stands between two invocations: all but the bytes of the unfinished part. */
export interface UploadProgress {
  uploadId: string;
  /** The parts sent so far, in order: every one of them full. */
  parts: CompletedPart[];
  /** Bytes written so far, the unfinished part's included. */
  written: number;
}

/** A point of the upload to go back to: the parts before it and the unfinished part's bytes then. */
export interface SinkMark {
  partNumber: number;
  written: number;
  carry: Buffer;
}

/**
 * Writes one S3 object of known size through a multipart upload, holding at most
 * `partsInFlight + 1` part buffers: the one being filled and those being uploaded. `write` resolves
 * only when there is room again, which is the back-pressure that keeps memory bounded.
 * An upload can be suspended (its progress and the unfinished part's bytes handed out) and resumed
 * by another process, so one object may take longer to write than one Lambda invocation may run.
 */
export class MultipartSink {
  private readonly options: MultipartSinkOptions;
  private readonly bufferBytes: number;
  private uploadId: string | undefined;
  private buffer: Buffer | undefined;
  private filled = 0;
  private written = 0;
  private partNumber = 0;
  private uploads = 0;
  private readonly parts: CompletedPart[] = [];
  private readonly uploading = new Set<Promise<void>>();
  private readonly spare: Buffer[] = [];
  private failure: unknown;

  constructor(options: MultipartSinkOptions) {
    this.options = options;
    this.bufferBytes = Math.min(options.partSize, Math.max(1, options.totalBytes));
  }

  get bytesWritten(): number {
    return this.written;
  }

  /** UploadPart calls this sink has made (not those of an invocation it resumed; resent ones count). */
  get partUploads(): number {
    return this.uploads;
  }

  /** Continues an upload another invocation suspended; `carry` is the unfinished part's bytes. */
  resume(progress: UploadProgress, carry: Buffer): void {
    if (carry.length !== progress.written - progress.parts.length * this.options.partSize)
      throw new Error('The suspended upload does not match its unfinished part');
    this.uploadId = progress.uploadId;
    this.parts.push(...progress.parts);
    this.partNumber = progress.parts.length;
    this.written = progress.written;
    this.buffer = Buffer.allocUnsafe(this.bufferBytes);
    carry.copy(this.buffer);
    this.filled = carry.length;
  }

  /** Waits for the parts in flight and hands out what another invocation needs to resume. */
  async suspend(): Promise<{ progress: UploadProgress; carry: Buffer }> {
    await Promise.all(this.uploading);
    if (this.failure) throw this.failure;
    return {
      progress: {
        uploadId: this.uploadId as string,
        parts: [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!),
        written: this.written,
      },
      carry: Buffer.from(this.buffer?.subarray(0, this.filled) ?? []),
    };
  }

  /** Where the upload stands now (copies the unfinished part's bytes: at most one part). */
  mark(): SinkMark {
    return {
      partNumber: this.partNumber,
      written: this.written,
      carry: Buffer.from(this.buffer?.subarray(0, this.filled) ?? []),
    };
  }

  /**
   * Forgets every byte written since `mark`. Parts sent since are sent again with the same numbers
   * as writing goes on, and S3 keeps a part number's last upload, so the object has only new bytes.
   */
  async rewind(mark: SinkMark): Promise<void> {
    await Promise.all(this.uploading);
    if (this.failure) throw this.failure;
    const kept = this.parts.filter((part) => part.PartNumber! <= mark.partNumber);
    this.parts.splice(0, this.parts.length, ...kept);
    this.partNumber = mark.partNumber;
    this.written = mark.written;
    this.buffer ??= this.spare.pop() ?? Buffer.allocUnsafe(this.bufferBytes);
    mark.carry.copy(this.buffer);
    this.filled = mark.carry.length;
  }

  async open(): Promise<void> {
    const { UploadId } = await s3().send(
      new CreateMultipartUploadCommand({
        Bucket: this.options.bucket,
        Key: this.options.key,
        ContentType: this.options.contentType,
      }),
    );
    if (!UploadId) throw new Error('CreateMultipartUpload returned no upload id');
    this.uploadId = UploadId;
  }

  /** Copies the bytes in (the caller may reuse `chunk` at once); resolves when more may be written. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.written + chunk.length > this.options.totalBytes) {
      throw new Error(`The bundle grew beyond its computed size of ${this.options.totalBytes} bytes`);
    }
    let offset = 0;
    while (offset < chunk.length) {
      this.buffer ??= this.spare.pop() ?? Buffer.allocUnsafe(this.bufferBytes);
      const target = this.currentPartBytes();
      const count = Math.min(chunk.length - offset, target - this.filled);
      this.buffer.set(chunk.subarray(offset, offset + count), this.filled);
      this.filled += count;
      this.written += count;
      offset += count;
      if (this.filled === target) await this.sendPart();
    }
  }

  /** Waits for every part and completes the upload; the object then exists. */
  async complete(): Promise<void> {
    if (this.written !== this.options.totalBytes) {
      throw new Error(`The bundle has ${this.written} bytes, not its computed ${this.options.totalBytes}`);
    }
    await Promise.all(this.uploading);
    if (this.failure) throw this.failure;
    await s3().send(
      new CompleteMultipartUploadCommand({
        Bucket: this.options.bucket,
        Key: this.options.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!) },
      }),
    );
  }

  /** Gives the parts up (best effort: the bucket's lifecycle rule removes what an abort leaves). */
  async abort(): Promise<void> {
    await Promise.allSettled(this.uploading);
    if (!this.uploadId) return;
    try {
      await s3().send(
        new AbortMultipartUploadCommand({
          Bucket: this.options.bucket,
          Key: this.options.key,
          UploadId: this.uploadId,
        }),
      );
    } catch (error) {
      // Some S3-compatible stores (the local s3rver among them) have no AbortMultipartUpload at all.
      const unsupported = ['MethodNotAllowed', 'NotImplemented'].includes((error as Error).name);
      const message = 'Could not abort a multipart upload; the lifecycle rule will remove its parts';
      if (unsupported) logger.debug(message, { key: this.options.key, reason: (error as Error).name });
      else logger.warn(message, { key: this.options.key, error: error as Error });
    }
  }

  /** Every part has the plan's size but the last, which is what remains. */
  private currentPartBytes(): number {
    const start = this.partNumber * this.options.partSize;
    return Math.min(this.options.partSize, this.options.totalBytes - start);
  }

  private async sendPart(): Promise<void> {
    const buffer = this.buffer as Buffer;
    const body = buffer.subarray(0, this.filled);
    const partNumber = ++this.partNumber;
    this.uploads++;
    this.buffer = undefined;
    this.filled = 0;
    await this.options.beforePart?.();
    const upload = s3()
      .send(
        new UploadPartCommand({
          Bucket: this.options.bucket,
          Key: this.options.key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
      )
      .then(
        ({ ETag }) => {
          this.parts.push({ PartNumber: partNumber, ETag });
          this.spare.push(buffer);
        },
        (error: unknown) => {
          this.failure ??= error;
        },
      )
      .finally(() => this.uploading.delete(upload));
    this.uploading.add(upload);
    while (this.uploading.size > this.options.partsInFlight) await Promise.race(this.uploading);
    if (this.failure) throw this.failure;
  }
}
