import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCopyCommand,
  type UploadPartCopyCommandInput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  copyObject,
  copyPartSize,
  type CopyProgress,
  type CopyProgressStore,
  MAX_PART_BYTES,
  MAX_PARTS,
  MAX_SINGLE_COPY_BYTES,
  PARTS_IN_FLIGHT,
} from '../../lambdas/storage/object-copy.ts';

/**
 * Copies above 5 GiB cannot be made on the local S3 in a test's time, so the multipart path is shown
 * against the S3 API (aws-sdk-client-mock) by a small fake that keeps each upload's parts, like S3.
 * Ordinary copies (CopyObject) run against the local stack in every ingest test.
 */
const s3 = mockClient(S3Client);
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

/** The parts S3 holds per upload id. */
let uploads: Map<string, Map<number, { ETag: string; Size: number; ChecksumSHA256: string }>>;
let inFlight = 0;
let mostInFlight = 0;
/** Part numbers whose copy fails (a Lambda timing out mid-copy), once each. */
let failing: Set<number>;

function memoryStore(): CopyProgressStore & { record?: CopyProgress } {
  const store: CopyProgressStore & { record?: CopyProgress } = {
    read: async () => store.record,
    write: async (progress) => {
      store.record = structuredClone(progress);
    },
  };
  return store;
}

const copy = (size: number) => ({
  source: { bucket: 'unpack', key: 'digitised/ingest-1/data/film.mxf' },
  target: { bucket: 'replica', key: 'digitised/b1/v1/data/film.mxf', storageClass: 'DEEP_ARCHIVE' },
  size,
  metadata: { sha256: 'ab'.repeat(32) },
});

const rangeOf = (input: UploadPartCopyCommandInput) => {
  const [first, last] = (input.CopySourceRange as string).replace('bytes=', '').split('-').map(Number);
  return { first: first as number, last: last as number };
};

beforeEach(() => {
  s3.reset();
  process.env.AWS_REGION = 'us-east-1';
  uploads = new Map();
  inFlight = 0;
  mostInFlight = 0;
  failing = new Set();
  let next = 0;
  s3.on(HeadObjectCommand).resolves({ ETag: '"source-etag"' });
  s3.on(CreateMultipartUploadCommand).callsFake(() => {
    const UploadId = `upload-${++next}`;
    uploads.set(UploadId, new Map());
    return { UploadId };
  });
  s3.on(UploadPartCopyCommand).callsFake(async (input: UploadPartCopyCommandInput) => {
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2));
    inFlight--;
    const part = input.PartNumber as number;
    if (failing.delete(part)) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    const { first, last } = rangeOf(input);
    const stored = { ETag: `"etag-${part}"`, Size: last - first + 1, ChecksumSHA256: `sha-${part}` };
    uploads.get(input.UploadId as string)?.set(part, stored);
    return { CopyPartResult: { ETag: stored.ETag, ChecksumSHA256: stored.ChecksumSHA256 } };
  });
  s3.on(ListPartsCommand).callsFake(({ UploadId }: { UploadId: string }) => {
    const parts = uploads.get(UploadId);
    if (!parts)
      throw Object.assign(new Error('The specified upload does not exist'), { name: 'NoSuchUpload' });
    return { Parts: [...parts].map(([PartNumber, part]) => ({ PartNumber, ...part })), IsTruncated: false };
  });
  s3.on(CompleteMultipartUploadCommand).callsFake(({ UploadId }: { UploadId: string }) => {
    uploads.delete(UploadId);
    return { VersionId: 'version-1' };
  });
  s3.on(AbortMultipartUploadCommand).callsFake(({ UploadId }: { UploadId: string }) => {
    uploads.delete(UploadId);
    return {};
  });
  s3.on(CopyObjectCommand).resolves({ VersionId: 'single-version' });
});

describe('copying an object of up to 5 GiB', () => {
  it('is one CopyObject with the storage class, an S3 SHA-256 and the metadata, nothing multipart', async () => {
    expect(await copyObject(copy(MAX_SINGLE_COPY_BYTES), memoryStore())).toEqual({
      versionId: 'single-version',
    });
    expect(s3.commandCalls(CopyObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'replica',
      CopySource: 'unpack/digitised/ingest-1/data/film.mxf',
      StorageClass: 'DEEP_ARCHIVE',
      ChecksumAlgorithm: 'SHA256',
      MetadataDirective: 'REPLACE',
      Metadata: { sha256: 'ab'.repeat(32) },
    });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });
});

describe('copying an object over 5 GiB', () => {
  it('copies its parts several at once (bounded), covering every byte once, and completes in order', async () => {
    const size = 12 * GiB + 7;
    expect(await copyObject(copy(size), memoryStore())).toEqual({ versionId: 'version-1' });

    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      StorageClass: 'DEEP_ARCHIVE',
      ChecksumAlgorithm: 'SHA256',
      Metadata: { sha256: 'ab'.repeat(32) },
    });
    const calls = s3.commandCalls(UploadPartCopyCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(13);
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(PARTS_IN_FLIGHT);
    // Every part copies only if the source is still the object the copy started from.
    expect(new Set(calls.map((input) => input.CopySourceIfMatch))).toEqual(new Set(['"source-etag"']));
    const ranges = calls.map(rangeOf).sort((a, b) => a.first - b.first);
    let expected = 0;
    for (const range of ranges) {
      expect(range.first).toBe(expected);
      expected = range.last + 1;
    }
    expect(expected).toBe(size);
    const completed = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(completed?.MultipartUpload?.Parts?.map((part) => part.PartNumber)).toEqual(
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
    expect(completed?.MultipartUpload?.Parts?.[4]).toEqual({
      PartNumber: 5,
      ETag: '"etag-5"',
      ChecksumSHA256: 'sha-5',
    });
  });

  it('resumes after a timeout: the retry continues the same upload and copies only the missing parts', async () => {
    const store = memoryStore();
    failing = new Set([9, 10]);
    await expect(copyObject(copy(20 * GiB), store)).rejects.toThrow('socket hang up');
    // The upload is left for the retry, not aborted.
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
    const held = uploads.get('upload-1')?.size ?? 0;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(20);
    s3.resetHistory();

    expect(await copyObject(copy(20 * GiB), store)).toEqual({ versionId: 'version-1' });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    const copiedAgain = s3.commandCalls(UploadPartCopyCommand).map((call) => call.args[0].input);
    expect(copiedAgain.every((input) => input.UploadId === 'upload-1')).toBe(true);
    // Nothing S3 already held is copied twice; everything else is.
    const resumedParts = copiedAgain.map((input) => input.PartNumber as number);
    expect(resumedParts).toContain(9);
    expect(resumedParts).toContain(10);
    expect(resumedParts.length).toBe(20 - held);
    const completed = s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(completed?.UploadId).toBe('upload-1');
    expect(completed?.MultipartUpload?.Parts).toHaveLength(20);
  });

  it('starts a new upload when the recorded one is gone (completed or aborted by the lifecycle rule)', async () => {
    const store = memoryStore();
    failing = new Set([3]);
    await expect(copyObject(copy(6 * GiB), store)).rejects.toThrow();
    uploads.delete('upload-1');
    expect(await copyObject(copy(6 * GiB), store)).toEqual({ versionId: 'version-1' });
    expect(s3.commandCalls(CreateMultipartUploadCommand)).toHaveLength(2);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.UploadId).toBe('upload-2');
  });

  it('never continues an upload recorded for another source: it aborts it and starts again', async () => {
    const store = memoryStore();
    failing = new Set([2]);
    await expect(copyObject(copy(6 * GiB), store)).rejects.toThrow();
    const other = { ...copy(6 * GiB), source: { bucket: 'primary', key: 'digitised/b1/v1/data/film.mxf' } };
    await copyObject(other, store);
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input.UploadId).toBe('upload-1');
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.UploadId).toBe('upload-2');
  });
});

describe('part sizes', () => {
  it('keep every object S3 can hold (5 TiB) within 10,000 parts of at most 5 GiB', () => {
    for (const size of [MAX_SINGLE_COPY_BYTES + 1, 150 * 1000 ** 3, 5 * TiB]) {
      const partSize = copyPartSize(size);
      expect(Math.ceil(size / partSize)).toBeLessThanOrEqual(MAX_PARTS);
      expect(partSize).toBeLessThanOrEqual(MAX_PART_BYTES);
      expect(partSize).toBeGreaterThanOrEqual(5 * 1024 ** 2);
    }
  });

  it('a 5 TiB copy issues at most 10,000 part copies', async () => {
    await copyObject(copy(5 * TiB), memoryStore());
    const parts = s3.commandCalls(UploadPartCopyCommand).length;
    expect(parts).toBe(Math.ceil((5 * TiB) / copyPartSize(5 * TiB)));
    expect(parts).toBeLessThanOrEqual(MAX_PARTS);
  }, 60_000);
});
