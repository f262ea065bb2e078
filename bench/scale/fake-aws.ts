/**
 * S3 and DynamoDB at the SDK level for `bench -- scale`: S3 objects live as files on disk (so the
 * fake holds nothing in the measured process's heap), DynamoDB writes are counted and dropped.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Milliseconds one BatchWrite takes (a round trip to DynamoDB). */
const BATCH_WRITE_MS = 2;

export const objectPath = (root: string, bucket: string, key: string) => join(root, bucket, key);

async function writeBody(path: string, body: unknown): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  if (typeof body === 'string' || body instanceof Uint8Array) await writeFile(path, body);
  else await pipeline(body as Readable, createWriteStream(path));
}

function readBody(path: string): Readable {
  const stream = createReadStream(path) as Readable & { transformToString?: () => Promise<string> };
  stream.transformToString = async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(path)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  return stream;
}

export interface DynamoCounts {
  batchWrites: number;
  items: number;
}

export function installFakeAws(root: string): DynamoCounts {
  const s3 = mockClient(S3Client);
  s3.on(GetObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
    const path = objectPath(root, input.Bucket, input.Key);
    if (!existsSync(path)) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: readBody(path) };
  });
  s3.on(PutObjectCommand).callsFake(async (input: { Bucket: string; Key: string; Body: unknown }) => {
    await writeBody(objectPath(root, input.Bucket, input.Key), input.Body);
    return {};
  });
  let uploads = 0;
  const partsOf = (id: string) => join(root, '.multipart', id);
  s3.on(CreateMultipartUploadCommand).callsFake(async () => {
    const id = String(++uploads);
    mkdirSync(partsOf(id), { recursive: true });
    return { UploadId: id };
  });
  s3.on(UploadPartCommand).callsFake(
    async (input: { UploadId: string; PartNumber: number; Body: unknown }) => {
      await writeBody(join(partsOf(input.UploadId), String(input.PartNumber).padStart(5, '0')), input.Body);
      return { ETag: `"${input.PartNumber}"` };
    },
  );
  s3.on(CompleteMultipartUploadCommand).callsFake(
    async (input: { Bucket: string; Key: string; UploadId: string }) => {
      const target = objectPath(root, input.Bucket, input.Key);
      mkdirSync(dirname(target), { recursive: true });
      const out = createWriteStream(target);
      for (const part of readdirSync(partsOf(input.UploadId)).sort()) {
        await pipeline(createReadStream(join(partsOf(input.UploadId), part)), out, { end: false });
      }
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      rmSync(partsOf(input.UploadId), { recursive: true, force: true });
      return {};
    },
  );
  s3.on(AbortMultipartUploadCommand).callsFake(async (input: { UploadId: string }) => {
    rmSync(partsOf(input.UploadId), { recursive: true, force: true });
    return {};
  });

  const counts: DynamoCounts = { batchWrites: 0, items: 0 };
  const dynamo = mockClient(DynamoDBDocumentClient);
  dynamo.on(GetCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(BatchWriteCommand).callsFake(async (input: { RequestItems: Record<string, unknown[]> }) => {
    counts.batchWrites += 1;
    for (const requests of Object.values(input.RequestItems)) counts.items += requests.length;
    // DynamoDB's own pace for one BatchWrite round trip, so sequential writes show up as such.
    await new Promise((resolve) => setTimeout(resolve, BATCH_WRITE_MS));
    return { UnprocessedItems: {} };
  });
  return counts;
}
