/**
 * Object Lock, legal holds and version ids exist only in AWS S3 (the local S3 has none of them), so
 * these paths are checked against the S3 API with aws-sdk-client-mock: Register holds exactly the
 * versions replication wrote and pins them in the storage manifest; downloads, carts and staging
 * read those versions.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  RestoreObjectCommand,
} from '@aws-sdk/client-s3';
import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetClients } from '../../lambdas/aws-clients.ts';
import type { RegisteredVersion } from '../../lambdas/bags/bag-registry.ts';
import { fileDownloadUrl, manifestResponse } from '../../lambdas/bags/bag-downloads.ts';
import type { StorageManifest } from '../../lambdas/bags/storage-manifest.ts';
import type { CartFile } from '../../lambdas/carts/cart-file.ts';
import { stageFiles } from '../../lambdas/carts/staging.ts';
import { openStoredObject } from '../../lambdas/carts/stored-object-reader.ts';
import { ENV } from '../../lambdas/config.ts';
import type { BagFile, BagSummary } from '../../lambdas/ingest-workflow/bag-files.ts';
import { registerBag } from '../../lambdas/ingest-workflow/bag-register.ts';
import type { IngestRecord } from '../../lambdas/ingests/ingest-repository.ts';
import { storageLocations } from '../../lambdas/storage/locations.ts';
import { mockS3AndDynamo } from '../support/mocked-aws.ts';

const { s3, dynamo } = mockS3AndDynamo();

function configure(objectLock: boolean) {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    [ENV.tableName]: 'table',
    [ENV.unpackBucket]: 'unpack-bucket',
    [ENV.primaryBucket]: 'primary-bucket',
    [ENV.primaryObjectLock]: String(objectLock),
    [ENV.replicas]: JSON.stringify([
      { name: 'replica', bucket: 'replica-bucket', storageClass: 'DEEP_ARCHIVE', objectLock },
    ]),
  });
  forgetClients();
}

beforeEach(() => {
  s3.reset();
  dynamo.reset();
  configure(true);
});

/** The storage manifest Register wrote (small enough for one PUT). */
function writtenManifest(): StorageManifest {
  const body = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body as Uint8Array;
  return JSON.parse(Buffer.from(body).toString('utf8')) as StorageManifest;
}

const json = (value: unknown) =>
  ({ Body: { transformToString: async () => JSON.stringify(value) } }) as never;

describe('Register', () => {
  const files: BagFile[] = [
    { name: 'data/a.txt', size: 1, checksums: { sha256: 'a'.repeat(64) }, heldBy: 'this', kind: 'payload' },
    { name: 'bagit.txt', size: 2, checksums: { sha256: 'b'.repeat(64) }, heldBy: 'this', kind: 'tag' },
  ];
  const summary: BagSummary = {
    bagRoot: 'bag/',
    info: [],
    manifestAlgorithms: ['sha256'],
    chunkCount: 1,
    files: 2,
    bytes: 3,
    newFiles: 2,
    newBytes: 3,
  };
  const ingest = {
    id: 'i1',
    space: { id: 'digitised' },
    bag: { info: { externalIdentifier: 'b1', version: 'v1' } },
  } as unknown as IngestRecord;
  /** Every S3 and DynamoDB write, in order. */
  let log: string[];

  beforeEach(() => {
    log = [];
    s3.on(GetObjectCommand, { Key: '.work/i1/bag.json' }).resolves(json(summary));
    s3.on(GetObjectCommand, { Key: '.work/i1/chunks/000000.json' }).resolves(json(files));
    s3.on(GetObjectCommand, { Key: '.work/i1/replicated/primary/000000.json' }).resolves(
      json({ 'data/a.txt': 'p-a', 'bagit.txt': 'p-t' }),
    );
    s3.on(GetObjectCommand, { Key: '.work/i1/replicated/replica/000000.json' }).resolves(
      json({ 'data/a.txt': 'r-a', 'bagit.txt': 'r-t' }),
    );
    s3.on(PutObjectLegalHoldCommand).callsFake((input: { Key: string }) => {
      log.push(`hold ${input.Key}`);
      return {};
    });
    s3.on(PutObjectCommand).callsFake(() => {
      log.push('manifest');
      return { VersionId: 'm-1' };
    });
    dynamo.on(GetCommand).resolves({});
    dynamo.on(BatchWriteCommand).callsFake(() => {
      log.push('stored files');
      return {};
    });
    dynamo.on(PutCommand).callsFake(() => {
      log.push('register');
      return {};
    });
    dynamo.on(UpdateCommand).resolves({});
  });

  it('puts a legal hold on the version replication wrote, for every file in every location, and on the manifest', async () => {
    await registerBag(ingest);
    const holds = s3
      .commandCalls(PutObjectLegalHoldCommand)
      .map((call) => call.args[0].input)
      .map(({ Bucket, Key, VersionId, LegalHold }) => `${Bucket} ${Key} ${VersionId} ${LegalHold?.Status}`)
      .sort();
    expect(holds).toEqual([
      'primary-bucket .manifests/digitised/b1/v1.json m-1 ON',
      'primary-bucket digitised/b1/v1/bagit.txt p-t ON',
      'primary-bucket digitised/b1/v1/data/a.txt p-a ON',
      'replica-bucket digitised/b1/v1/bagit.txt r-t ON',
      'replica-bucket digitised/b1/v1/data/a.txt r-a ON',
    ]);
  });

  it('holds every object before the version is registered', async () => {
    await registerBag(ingest);
    const lastHold = log.findLastIndex((entry) => entry.startsWith('hold'));
    expect(lastHold).toBeLessThan(log.indexOf('stored files'));
    expect(lastHold).toBeLessThan(log.indexOf('register'));
  });

  it('records each file’s version id per location in the storage manifest and the file registry', async () => {
    await registerBag(ingest);
    const manifest = writtenManifest();
    expect(manifest.manifest.files).toEqual([
      expect.objectContaining({ name: 'data/a.txt', versionIds: { primary: 'p-a', replica: 'r-a' } }),
    ]);
    expect(manifest.tagManifest.files).toEqual([
      expect.objectContaining({ name: 'bagit.txt', versionIds: { primary: 'p-t', replica: 'r-t' } }),
    ]);
    const items = dynamo
      .commandCalls(BatchWriteCommand)
      .flatMap((call) => Object.values(call.args[0].input.RequestItems ?? {}).flat())
      .map((request) => request.PutRequest?.Item);
    expect(items).toContainEqual(
      expect.objectContaining({
        id: 'digitised/b1/v1/data/a.txt',
        versionIds: { primary: 'p-a', replica: 'r-a' },
      }),
    );
    const version = dynamo
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input.Item)
      .find((item) => String(item?.sk).startsWith('VERSION#'));
    expect(version).toMatchObject({ manifestVersionId: 'm-1' });
  });

  it('fails rather than register a file whose version replication did not record', async () => {
    s3.on(GetObjectCommand, { Key: '.work/i1/replicated/replica/000000.json' }).resolves(
      json({ 'data/a.txt': 'r-a' }),
    );
    await expect(registerBag(ingest)).rejects.toThrow('returned no version id for digitised/b1/v1/bagit.txt');
    expect(log).not.toContain('register');
  });

  it('without Object Lock (the local S3) puts no hold and records no version id', async () => {
    configure(false);
    await registerBag(ingest);
    const manifest = writtenManifest();
    expect(s3.commandCalls(PutObjectLegalHoldCommand)).toHaveLength(0);
    expect(manifest.manifest.files[0]).not.toHaveProperty('versionIds');
    expect(
      s3.commandCalls(GetObjectCommand).some((call) => call.args[0].input.Key?.includes('/replicated/')),
    ).toBe(false);
  });
});

describe('downloads', () => {
  const version: RegisteredVersion = {
    space: 'digitised',
    externalIdentifier: 'b1',
    version: 'v1',
    createdDate: '2026-01-01T00:00:00Z',
    ingestId: 'i1',
    manifestKey: '.manifests/digitised/b1/v1.json',
    manifestVersionId: 'm-1',
    manifestBytes: 6_000_000,
    size: 1,
    fileCount: 1,
  };

  it('presign a GET of the version Register held', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'FILE#digitised/b1/v1/data/a.txt', sk: 'FILE' } }).resolves({
      Item: {
        id: 'digitised/b1/v1/data/a.txt',
        space: 'digitised',
        externalIdentifier: 'b1',
        version: 'v1',
        path: 'data/a.txt',
        size: 1,
        checksums: { sha256: 'a'.repeat(64) },
        versionIds: { primary: 'p-a', replica: 'r-a' },
      },
    });
    dynamo
      .on(GetCommand, { Key: { pk: 'BAG#digitised#b1', sk: 'VERSION#000001' } })
      .resolves({ Item: version });
    s3.on(HeadObjectCommand).resolves({ StorageClass: 'STANDARD' });
    // No copy of the file failed a fixity check (lambdas/fixity/copy-health.ts).
    dynamo.on(QueryCommand).resolves({ Items: [] });
    const url = new URL(await fileDownloadUrl(version, 'data/a.txt'));
    expect(url.pathname).toBe('/digitised/b1/v1/data/a.txt');
    expect(url.searchParams.get('versionId')).toBe('p-a');
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toMatchObject({ VersionId: 'p-a' });
  });

  it('presign the held version of a storage manifest too big to inline', async () => {
    const response = await manifestResponse(version);
    expect('redirect' in response && new URL(response.redirect).searchParams.get('versionId')).toBe('m-1');
  });
});

describe('carts', () => {
  const file: CartFile = {
    id: 'digitised/b1/v1/data/a.txt',
    space: 'digitised',
    key: 'digitised/b1/v1/data/a.txt',
    versionIds: { primary: 'p-a', replica: 'r-a' },
    path: 'a.txt',
    size: 1,
    hashtype: 'sha256',
  };

  // No copy has failed a fixity check.
  beforeEach(() => dynamo.on(QueryCommand).resolves({ Items: [] }));

  it('read the version registered in each location they try', async () => {
    s3.on(GetObjectCommand, { Bucket: 'primary-bucket' }).rejects(
      Object.assign(new Error('cold'), { name: 'InvalidObjectState' }),
    );
    s3.on(GetObjectCommand, { Bucket: 'replica-bucket' }).resolves({ Body: Readable.from(['a']) } as never);
    await openStoredObject(file, storageLocations());
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({ Bucket: 'primary-bucket', VersionId: 'p-a' }),
      expect.objectContaining({ Bucket: 'replica-bucket', VersionId: 'r-a' }),
    ]);
  });

  it('stage (and restore) the version registered there', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1, StorageClass: 'DEEP_ARCHIVE' });
    s3.on(RestoreObjectCommand).resolves({});
    await stageFiles([file], storageLocations());
    expect(s3.commandCalls(HeadObjectCommand).map((call) => call.args[0].input.VersionId)).toEqual([
      'p-a',
      'r-a',
    ]);
    expect(s3.commandCalls(RestoreObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'primary-bucket',
      VersionId: 'p-a',
    });
  });
});
