/**
 * A failed ingest leaves no unfinished multipart upload behind. The local S3 (s3rver 3.7) has neither
 * ListMultipartUploads nor AbortMultipartUpload (its routes answer 501 NotImplemented), so the
 * uploads are shown here against S3 mocked at the SDK level, holding them as S3 would; the local
 * stack's failure tests run the same cleanup against s3rver, where there is nothing to list.
 */
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { s3 as s3Client } from '../../lambdas/aws-clients.ts';
import { recordFailure } from '../../lambdas/ingest-workflow/failure.ts';
import { replicateFile } from '../../lambdas/ingest-workflow/replicator.ts';
import { mockS3AndDynamo } from '../support/mocked-aws.ts';
import { ingestItem } from '../support/ingest-record.ts';

const { s3, dynamo } = mockS3AndDynamo();

const ingestId = '8f6c1b8e-2f0c-4a51-9d61-3c0f1d8b2a10';
/** The aborts and status writes, in the order they were made. */
const writes: string[] = [];
const replica = { name: 'replica', bucket: 'replica-bucket', storageClass: 'STANDARD', objectLock: false };

interface Upload {
  Bucket: string;
  Key: string;
  UploadId: string;
}

/** S3's multipart uploads in progress, listed one per page so the listing's markers are followed. */
function holdUploads(): Upload[] {
  const uploads: Upload[] = [];
  let ids = 0;
  s3.on(CreateMultipartUploadCommand).callsFake(async ({ Bucket, Key }: Upload) => {
    const UploadId = `upload-${++ids}`;
    uploads.push({ Bucket, Key, UploadId });
    return { UploadId };
  });
  s3.on(ListMultipartUploadsCommand).callsFake(
    async (input: { Bucket: string; Prefix?: string; KeyMarker?: string; UploadIdMarker?: string }) => {
      const after = (upload: Upload) =>
        input.KeyMarker === undefined ||
        upload.Key > input.KeyMarker ||
        (upload.Key === input.KeyMarker && upload.UploadId > (input.UploadIdMarker ?? ''));
      const listed = uploads
        .filter((upload) => upload.Bucket === input.Bucket && upload.Key.startsWith(input.Prefix ?? ''))
        .filter(after)
        .sort((a, b) => a.Key.localeCompare(b.Key) || a.UploadId.localeCompare(b.UploadId));
      const page = listed.slice(0, 1);
      const last = page[0];
      return {
        Uploads: page.map(({ Key, UploadId }) => ({ Key, UploadId })),
        IsTruncated: listed.length > 1,
        ...(listed.length > 1 && last ? { NextKeyMarker: last.Key, NextUploadIdMarker: last.UploadId } : {}),
      };
    },
  );
  s3.on(AbortMultipartUploadCommand).callsFake(async ({ Bucket, Key, UploadId }: Upload) => {
    const at = uploads.findIndex(
      (upload) => upload.Bucket === Bucket && upload.Key === Key && upload.UploadId === UploadId,
    );
    if (at < 0) throw Object.assign(new Error('The upload does not exist'), { name: 'NoSuchUpload' });
    uploads.splice(at, 1);
    writes.push('abort');
    return {};
  });
  return uploads;
}

/** The table as the failure path reads it: the ingest at "Replicating", its claim of v1, its space. */
function failingIngest(): unknown[] {
  const item = ingestItem({
    id: ingestId,
    externalIdentifier: 'b1',
    version: 'v1',
    status: 'processing',
    currentStep: 'Replicating to replica',
  });
  dynamo.on(GetCommand).callsFake(async ({ Key }: { Key: { pk: string } }) => {
    if (Key.pk === item.pk) return { Item: item };
    if (Key.pk === 'SPACE#digitised') return { Item: { pk: Key.pk, sk: 'SPACE' } };
    return {};
  });
  dynamo.on(QueryCommand).resolves({ Items: [{ version: 1, ingestId }] });
  dynamo.on(DeleteCommand).resolves({});
  const statuses: unknown[] = [];
  dynamo
    .on(UpdateCommand)
    .callsFake(async (input: { ExpressionAttributeValues?: Record<string, unknown> }) => {
      const status = input.ExpressionAttributeValues?.[':newStatus'];
      if (status) {
        statuses.push(status);
        writes.push(`status ${status}`);
      }
      return {};
    });
  return statuses;
}

beforeEach(() => {
  writes.length = 0;
  s3.reset();
  dynamo.reset();
  process.env.BAGVAULT_TABLE = 'table';
  process.env.BAGVAULT_UNPACK_BUCKET = 'unpack-bucket';
  process.env.BAGVAULT_PRIMARY_BUCKET = 'primary-bucket';
  process.env.BAGVAULT_PRIMARY_OBJECT_LOCK = 'false';
  process.env.BAGVAULT_REPLICAS = JSON.stringify([replica]);
  s3.on(ListObjectsV2Command).resolves({ IsTruncated: false });
  s3.on(DeleteObjectsCommand).resolves({});
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
  s3.on(HeadObjectCommand).resolves({ ETag: '"source"' });
});

describe('the failure cleanup of an ingest', () => {
  it('aborts the multipart copy, manifest and unpack uploads the ingest left unfinished, before it records the failure', async () => {
    const uploads = holdUploads();
    const statuses = failingIngest();
    // A 6 GiB file is copied in parts; the part copies fail, as in a Lambda that died mid-copy.
    s3.on(UploadPartCopyCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    const bigFile = {
      name: 'data/film.mxf',
      size: 6 * 1024 ** 3,
      checksums: { sha256: 'ab'.repeat(32) },
      heldBy: 'this' as const,
      kind: 'payload' as const,
    };
    const target = {
      ingestId,
      space: 'digitised',
      externalIdentifier: 'b1',
      version: 'v1',
      bagRoot: 'b1/',
      location: replica,
    };
    await expect(replicateFile(target, bigFile, true)).rejects.toThrow('slow down');
    // What a Register and an Unpack that died mid-upload leave, and another ingest's upload (v2).
    const start = (Bucket: string, Key: string) =>
      s3Client().send(new CreateMultipartUploadCommand({ Bucket, Key }));
    await start('primary-bucket', '.manifests/digitised/b1/v1.json');
    await start('unpack-bucket', `digitised/${ingestId}/b1/data/film.mxf`);
    await start('unpack-bucket', `digitised/${ingestId}/b1/data/scan.tif`);
    await start('replica-bucket', 'digitised/b1/v2/data/film.mxf');
    expect(uploads.map((upload) => upload.Key)).toContain('digitised/b1/v1/data/film.mxf');

    await recordFailure(ingestId, { Error: 'SlowDown', Cause: 'slow down' });

    expect(uploads.map(({ Bucket, Key }) => `${Bucket}/${Key}`)).toEqual([
      'replica-bucket/digitised/b1/v2/data/film.mxf',
    ]);
    expect(statuses).toEqual(['failed']);
    expect(writes.lastIndexOf('abort')).toBeLessThan(writes.indexOf('status failed'));
    expect(writes.filter((write) => write === 'abort')).toHaveLength(4);
  });

  it('still ends the ingest in a store without ListMultipartUploads (the local s3rver answers 501)', async () => {
    const statuses = failingIngest();
    s3.on(ListMultipartUploadsCommand).rejects(
      Object.assign(new Error('not implemented'), { name: 'NotImplemented' }),
    );

    await recordFailure(ingestId, { Error: 'SlowDown', Cause: 'slow down' });

    expect(statuses).toEqual(['failed']);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it('records no failure while the uploads cannot be listed, so the retried Task cleans them', async () => {
    const statuses = failingIngest();
    s3.on(ListMultipartUploadsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    await expect(recordFailure(ingestId, { Error: 'SlowDown', Cause: 'slow down' })).rejects.toThrow(
      'denied',
    );
    expect(statuses).toEqual([]);
  });
});
