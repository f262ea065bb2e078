/**
 * Register streams the storage manifest and writes the stored-file index in parallel. With S3 and
 * DynamoDB mocked at the SDK level: the bytes are exactly what `JSON.stringify` of the whole manifest
 * gave (so every reader keeps working), BatchWrites overlap and what DynamoDB leaves unprocessed is
 * written again, and a file taken through fetch.txt gets a reference to the version holding it.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetClients } from '../../lambdas/aws-clients.ts';
import type { StorageManifest } from '../../lambdas/bags/storage-manifest.ts';
import { ENV } from '../../lambdas/config.ts';
import type { BagFile, BagSummary } from '../../lambdas/ingest-workflow/bag-files.ts';
import { registerBag } from '../../lambdas/ingest-workflow/bag-register.ts';
import { buildStorageManifest } from '../../lambdas/ingest-workflow/storage-manifest-builder.ts';
import type { IngestRecord } from '../../lambdas/ingests/ingest-repository.ts';
import { storageLocations } from '../../lambdas/storage/locations.ts';
import { mockS3AndDynamo } from '../support/mocked-aws.ts';

const { s3, dynamo } = mockS3AndDynamo();

const json = (value: unknown) =>
  ({ Body: { transformToString: async () => JSON.stringify(value) } }) as never;
const sha = (c: string) => c.repeat(64);

const fetched: BagFile = {
  name: 'data/fetched.tif',
  size: 9,
  checksums: { sha256: sha('f') },
  heldBy: { version: 'v1', path: 'data/fetched.tif' },
  kind: 'payload',
};
/** Two chunks, out of name order, with a tag file, a name needing escapes and a fetched file. */
const chunks: BagFile[][] = [
  [
    {
      name: 'data/z.txt',
      size: 1,
      checksums: { sha256: sha('a'), md5: 'b'.repeat(32) },
      heldBy: 'this',
      kind: 'payload',
    },
    { name: 'bagit.txt', size: 2, checksums: { sha256: sha('c') }, heldBy: 'this', kind: 'tag' },
    {
      name: 'data/"quoted" é.txt',
      size: 3,
      checksums: { sha256: sha('d') },
      heldBy: 'this',
      kind: 'payload',
    },
  ],
  [
    fetched,
    { name: 'data/a.txt', size: 4, checksums: { sha256: sha('e') }, heldBy: 'this', kind: 'payload' },
    { name: 'bag-info.txt', size: 5, checksums: { sha256: sha('1') }, heldBy: 'this', kind: 'tag' },
  ],
];
const summary: BagSummary = {
  bagRoot: 'bag/',
  info: [
    { label: 'External-Identifier', value: 'b1' },
    { label: 'Payload-Oxum', value: '17.4' },
    { label: 'Contact-Name', value: 'One' },
    { label: 'Contact-Name', value: 'Two' },
  ],
  manifestAlgorithms: ['sha256', 'md5'],
  chunkCount: 2,
  files: 6,
  bytes: 24,
  newFiles: 5,
  newBytes: 15,
};
const ingest = {
  id: 'i2',
  space: { id: 'digitised' },
  bag: { info: { externalIdentifier: 'b1', version: 'v2' } },
} as unknown as IngestRecord;

beforeEach(() => {
  s3.reset();
  dynamo.reset();
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    [ENV.tableName]: 'table',
    [ENV.unpackBucket]: 'unpack-bucket',
    [ENV.primaryBucket]: 'primary-bucket',
    [ENV.primaryObjectLock]: 'false',
    [ENV.replicas]: JSON.stringify([
      { name: 'replica', bucket: 'replica-bucket', storageClass: 'DEEP_ARCHIVE' },
    ]),
  });
  forgetClients();
  s3.on(GetObjectCommand, { Key: '.work/i2/bag.json' }).resolves(json(summary));
  s3.on(GetObjectCommand, { Key: '.work/i2/chunks/000000.json' }).resolves(json(chunks[0]));
  s3.on(GetObjectCommand, { Key: '.work/i2/chunks/000001.json' }).resolves(json(chunks[1]));
  s3.on(PutObjectCommand).resolves({});
  dynamo.on(GetCommand, { Key: { pk: 'FILE#digitised/b1/v1/data/fetched.tif', sk: 'FILE' } }).resolves({
    Item: {
      id: 'digitised/b1/v1/data/fetched.tif',
      space: 'digitised',
      externalIdentifier: 'b1',
      version: 'v1',
      path: 'data/fetched.tif',
      size: 9,
      checksums: { sha256: sha('f') },
    },
  });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [{ version: 'v1' }] });
  dynamo.on(PutCommand).resolves({});
});

const writtenText = () =>
  Buffer.from(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body as Uint8Array).toString('utf8');

describe('Register', () => {
  it('writes the very bytes JSON.stringify gave for the whole storage manifest', async () => {
    dynamo.on(BatchWriteCommand).resolves({});
    await registerBag(ingest);
    const text = writtenText();
    const written = JSON.parse(text) as StorageManifest;
    const whole = buildStorageManifest({
      space: 'digitised',
      externalIdentifier: 'b1',
      version: 'v2',
      createdDate: written.createdDate,
      ingestId: 'i2',
      info: summary.info,
      manifestAlgorithms: summary.manifestAlgorithms,
      files: chunks.flat().map((file) => ({ file, versionIds: {} })),
      locations: storageLocations(),
    });
    expect(text).toBe(JSON.stringify(whole));
    expect(written.manifest.files.map((file) => file.name)).toEqual([
      'data/"quoted" é.txt',
      'data/a.txt',
      'data/fetched.tif',
      'data/z.txt',
    ]);
    expect(written.manifest.files[2]).toMatchObject({ path: 'v1/data/fetched.tif' });
  });

  it('keeps several BatchWrites in flight and writes again what DynamoDB left unprocessed', async () => {
    let inFlight = 0;
    let most = 0;
    const written: string[] = [];
    let refused = false;
    dynamo
      .on(BatchWriteCommand)
      .callsFake(
        async (input: { RequestItems: Record<string, { PutRequest: { Item: { pk: string } } }[]> }) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight--;
          const requests = input.RequestItems.table ?? [];
          // DynamoDB throttles: the first write of the fetched file's reference comes back unprocessed.
          const unprocessed = requests.filter((request) => {
            const throttled =
              !refused && request.PutRequest.Item.pk === 'FILE#digitised/b1/v2/data/fetched.tif';
            if (throttled) refused = true;
            return throttled;
          });
          for (const request of requests)
            if (!unprocessed.includes(request)) written.push(request.PutRequest.Item.pk);
          return { UnprocessedItems: unprocessed.length > 0 ? { table: unprocessed } : {} };
        },
      );
    // 60 files: three batches of 25, run together.
    const many: BagFile[] = Array.from({ length: 60 }, (_, n) => ({
      name: `data/m-${n}.txt`,
      size: 1,
      checksums: { sha256: sha('a') },
      heldBy: 'this',
      kind: 'payload',
    }));
    s3.on(GetObjectCommand, { Key: '.work/i2/chunks/000000.json' }).resolves(json([...many, fetched]));
    s3.on(GetObjectCommand, { Key: '.work/i2/bag.json' }).resolves(json({ ...summary, chunkCount: 1 }));
    await registerBag(ingest);
    expect(refused).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(written.sort()).toEqual(
      [
        ...many.map((file) => `FILE#digitised/b1/v2/${file.name}`),
        'FILE#digitised/b1/v2/data/fetched.tif',
      ].sort(),
    );
  });

  it('indexes a fetched file under this version with a reference to the version holding it', async () => {
    dynamo.on(BatchWriteCommand).resolves({});
    await registerBag(ingest);
    const items = dynamo
      .commandCalls(BatchWriteCommand)
      .flatMap((call) => Object.values(call.args[0].input.RequestItems ?? {}).flat())
      .map((request) => request.PutRequest?.Item);
    expect(items).toContainEqual({
      pk: 'FILE#digitised/b1/v2/data/fetched.tif',
      sk: 'FILE',
      kind: 'StoredFile',
      id: 'digitised/b1/v1/data/fetched.tif',
      space: 'digitised',
      externalIdentifier: 'b1',
      version: 'v1',
      path: 'data/fetched.tif',
      size: 9,
      checksums: { sha256: sha('f') },
    });
    expect(items).toContainEqual(
      expect.objectContaining({ pk: 'FILE#digitised/b1/v2/data/a.txt', id: 'digitised/b1/v2/data/a.txt' }),
    );
  });
});
