import type { UnpackedFile } from '../archive/unpack-sink.ts';
import { config } from '../config.ts';
import { getJson, putJson } from '../storage/s3-objects.ts';
import { unpackedListKey, unpackedPartsKey } from '../storage/storage-layout.ts';

const PART_SIZE = 1000;

/**
 * The unpacker's record of what the archive held, written to S3 in parts of a thousand files as
 * they stream past, so no step holds the whole list and none of it travels in workflow state.
 */
export class UnpackedFileWriter {
  private readonly ingestId: string;
  private pending: UnpackedFile[] = [];
  private parts = 0;

  constructor(ingestId: string) {
    this.ingestId = ingestId;
  }

  async add(file: UnpackedFile): Promise<void> {
    this.pending.push(file);
    if (this.pending.length >= PART_SIZE) await this.flush();
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
    await putJson(config().unpackBucket, unpackedListKey(this.ingestId, this.parts), this.pending);
    this.parts += 1;
    this.pending = [];
  }
}

export async function* readUnpackedFiles(ingestId: string): AsyncGenerator<UnpackedFile> {
  const bucket = config().unpackBucket;
  const { parts } = await getJson<{ parts: number }>(bucket, unpackedPartsKey(ingestId));
  for (let part = 0; part < parts; part++)
    yield* await getJson<UnpackedFile[]>(bucket, unpackedListKey(ingestId, part));
}
