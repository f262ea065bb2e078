/**
 * S3 and DynamoDB at the SDK level for `bench -- scale` and the memory bound test: S3 objects live as
 * files on disk and DynamoDB writes are counted and dropped, so the fake holds nothing in the measured
 * process's heap (aws-sdk-client-mock would: it keeps every call's input for inspection).
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

type Handler = (input: never) => Promise<unknown>;

/** Replaces `send` of every client of the class with handlers by command class. */
function fakeClient(client: { prototype: { send: unknown } }) {
  const handlers = new Map<unknown, Handler>();
  client.prototype.send = async function (command: { constructor: unknown; input: never }) {
    const handler = handlers.get(command.constructor);
    if (!handler) throw new Error(`The scale fake has no ${(command.constructor as { name: string }).name}`);
    return handler(command.input);
  };
  return {
    on: (command: unknown) => ({
      callsFake: (handler: Handler) => void handlers.set(command, handler),
      resolves: (output: unknown) => void handlers.set(command, async () => output),
    }),
  };
}

export function installFakeAws(root: string): DynamoCounts {
  const s3 = fakeClient(S3Client);
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
      rmSync(target, { force: true });
      for (const part of readdirSync(partsOf(input.UploadId)).sort()) {
        await pipeline(
          createReadStream(join(partsOf(input.UploadId), part)),
          createWriteStream(target, { flags: 'a' }),
        );
      }
      rmSync(partsOf(input.UploadId), { recursive: true, force: true });
      return {};
    },
  );
  s3.on(AbortMultipartUploadCommand).callsFake(async (input: { UploadId: string }) => {
    rmSync(partsOf(input.UploadId), { recursive: true, force: true });
    return {};
  });

  const counts: DynamoCounts = { batchWrites: 0, items: 0 };
  const dynamo = fakeClient(DynamoDBDocumentClient);
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
