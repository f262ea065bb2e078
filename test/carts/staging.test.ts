/**
 * The cold-storage path of staging (SPEC §5.5), which the local S3 cannot show: S3 is replaced by
 * aws-sdk-client-mock, the one mock the project allows, answering like S3 does for DEEP_ARCHIVE objects.
 */
import {
  HeadObjectCommand,
  NotFound,
  RestoreObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CartFile } from '../../lambdas/carts/cart-file.ts';
import { RESTORE_DAYS, RESTORE_TIER, stageFiles } from '../../lambdas/carts/staging.ts';
import { ENV } from '../../lambdas/config.ts';
import type { StorageLocation } from '../../lambdas/storage/locations.ts';

const s3 = mockClient(S3Client);
/** Copy health, which fixity records in the table: no copy has failed a check unless a test says so. */
const dynamo = mockClient(DynamoDBDocumentClient);
afterAll(() => {
  s3.restore();
  dynamo.restore();
});
beforeEach(() => {
  process.env[ENV.tableName] ??= 'table';
  s3.reset();
  dynamo.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
});

const primary: StorageLocation = {
  name: 'primary',
  bucket: 'primary-bucket',
  storageClass: 'DEEP_ARCHIVE',
  objectLock: false,
};
const replica: StorageLocation = {
  name: 'replica',
  bucket: 'replica-bucket',
  storageClass: 'STANDARD',
  objectLock: false,
};

const file = (name: string, size = 10): CartFile => ({
  id: `digitised/b1/v1/data/${name}`,
  space: 'digitised',
  key: `digitised/b1/v1/data/${name}`,
  path: name,
  size,
  hashtype: 'sha256',
});

const notFound = () => new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } });

describe('staging cold objects', () => {
  it('asks S3 to restore DEEP_ARCHIVE objects and reports them pending until HeadObject says restored', async () => {
    const files = [file('a.tif'), file('b.tif')];
    let restore: string | undefined;
    s3.on(HeadObjectCommand).callsFake(() => ({
      ContentLength: 10,
      StorageClass: 'DEEP_ARCHIVE',
      Restore: restore,
    }));
    s3.on(RestoreObjectCommand).resolves({});

    // First pass: nobody has asked yet, so staging asks, once per object.
    expect(await stageFiles(files, [primary])).toEqual({
      pendingRestores: 2,
      restoring: files.map((f) => ({ bucket: 'primary-bucket', key: f.key })),
      restoresRequested: 2,
      missing: [],
      wrongSize: [],
    });
    const requests = s3.commandCalls(RestoreObjectCommand).map((call) => call.args[0].input);
    expect(requests).toEqual(
      files.map((f) => ({
        Bucket: 'primary-bucket',
        Key: f.key,
        RestoreRequest: { Days: RESTORE_DAYS, GlacierJobParameters: { Tier: RESTORE_TIER } },
      })),
    );

    // After a wait: S3 is still restoring; nothing new is asked, both still pending.
    restore = 'ongoing-request="true"';
    expect((await stageFiles(files, [primary])).pendingRestores).toBe(2);
    expect(s3.commandCalls(RestoreObjectCommand)).toHaveLength(2);

    // Restored: the temporary copies are readable, nothing is pending and bundling may start.
    restore = 'ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"';
    expect(await stageFiles(files, [primary])).toEqual({
      pendingRestores: 0,
      restoring: [],
      restoresRequested: 0,
      missing: [],
      wrongSize: [],
    });
    expect(s3.commandCalls(RestoreObjectCommand)).toHaveLength(2);
  });

  it('treats a restore another cart already asked for as pending', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 10, StorageClass: 'GLACIER' });
    s3.on(RestoreObjectCommand).rejects(
      new S3ServiceException({
        name: 'RestoreAlreadyInProgress',
        $fault: 'client',
        $metadata: { httpStatusCode: 409 },
        message: 'Object restore is already in progress',
      }),
    );
    expect(await stageFiles([file('a.tif')], [primary])).toMatchObject({ pendingRestores: 1 });
  });

  it('reads from a location that needs no restore rather than restoring the primary copy', async () => {
    s3.on(HeadObjectCommand, { Bucket: 'primary-bucket' }).resolves({
      ContentLength: 10,
      StorageClass: 'DEEP_ARCHIVE',
    });
    s3.on(HeadObjectCommand, { Bucket: 'replica-bucket' }).resolves({ ContentLength: 10 });
    expect(await stageFiles([file('a.tif')], [primary, replica])).toMatchObject({ pendingRestores: 0 });
    expect(s3.commandCalls(RestoreObjectCommand)).toHaveLength(0);
  });

  it('restores the first location holding the object when the primary copy is missing', async () => {
    const coldReplica = { ...replica, storageClass: 'DEEP_ARCHIVE', objectLock: false };
    s3.on(HeadObjectCommand, { Bucket: 'primary-bucket' }).rejects(notFound());
    s3.on(HeadObjectCommand, { Bucket: 'replica-bucket' }).resolves({
      ContentLength: 10,
      StorageClass: 'DEEP_ARCHIVE',
    });
    s3.on(RestoreObjectCommand).resolves({});
    expect(await stageFiles([file('a.tif')], [primary, coldReplica])).toMatchObject({ pendingRestores: 1 });
    expect(s3.commandCalls(RestoreObjectCommand)[0]?.args[0].input.Bucket).toBe('replica-bucket');
  });

  it('restores a cold replica that passed its last fixity check rather than read a primary copy that failed it', async () => {
    const standardPrimary = { ...primary, storageClass: 'STANDARD' };
    const coldReplica = { ...replica, storageClass: 'DEEP_ARCHIVE' };
    dynamo.on(QueryCommand).resolves({ Items: [{ pk: `COPYHEALTH#${file('a.tif').key}`, sk: 'primary' }] });
    s3.on(HeadObjectCommand, { Bucket: 'primary-bucket' }).resolves({ ContentLength: 10 });
    s3.on(HeadObjectCommand, { Bucket: 'replica-bucket' }).resolves({
      ContentLength: 10,
      StorageClass: 'DEEP_ARCHIVE',
    });
    s3.on(RestoreObjectCommand).resolves({});
    expect(await stageFiles([file('a.tif')], [standardPrimary, coldReplica])).toMatchObject({
      pendingRestores: 1,
    });
    expect(s3.commandCalls(RestoreObjectCommand)[0]?.args[0].input.Bucket).toBe('replica-bucket');
  });

  it('names files no location has and files whose stored size is wrong', async () => {
    s3.on(HeadObjectCommand, { Key: file('gone.tif').key }).rejects(notFound());
    s3.on(HeadObjectCommand, { Key: file('short.tif').key }).resolves({ ContentLength: 3 });
    s3.on(HeadObjectCommand, { Key: file('fine.tif').key }).resolves({ ContentLength: 10 });
    const result = await stageFiles(
      [file('gone.tif'), file('short.tif'), file('fine.tif')],
      [primary, replica],
    );
    expect(result).toEqual({
      pendingRestores: 0,
      restoring: [],
      restoresRequested: 0,
      missing: [file('gone.tif').id],
      wrongSize: [file('short.tif').id],
    });
  });
});
