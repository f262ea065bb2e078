/**
 * Object versions exist only where S3 keeps them (AWS, with Object Lock): s3rver has none, so this
 * one property is shown against a mocked S3; the local stack's tests show the rest.
 */
import {
  DeleteObjectsCommand,
  GetObjectLegalHoldCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeUnregisteredVersion } from '../../lambdas/ingest-workflow/storage-cleanup.ts';

const s3 = mockClient(S3Client);
const dynamo = mockClient(DynamoDBDocumentClient);

function useBuckets(primary: string, replica: string, objectLock: boolean) {
  process.env.BAGVAULT_TABLE = 'table';
  process.env.BAGVAULT_PRIMARY_BUCKET = primary;
  process.env.BAGVAULT_PRIMARY_OBJECT_LOCK = String(objectLock);
  process.env.BAGVAULT_REPLICAS = JSON.stringify([
    { name: 'replica', bucket: replica, storageClass: 'STANDARD', objectLock },
  ]);
}

beforeEach(() => {
  s3.reset();
  dynamo.reset();
  dynamo.on(GetCommand).resolves({});
  // No unfinished multipart uploads (test/failure/unfinished-uploads.test.ts has them).
  s3.on(ListMultipartUploadsCommand).resolves({ IsTruncated: false });
});
afterEach(() => {
  s3.reset();
  dynamo.reset();
});

describe('removing what a failed ingest stored', () => {
  it('in a versioned bucket deletes every version and delete marker under the version, page by page', async () => {
    useBuckets('primary-v', 'replica-v', true);
    s3.on(ListObjectVersionsCommand)
      .resolves({ IsTruncated: false })
      .on(ListObjectVersionsCommand, { Bucket: 'replica-v', Prefix: 'digitised/b1/v2/' })
      .resolvesOnce({
        IsTruncated: true,
        NextKeyMarker: 'digitised/b1/v2/data/a.txt',
        NextVersionIdMarker: 'a-1',
        Versions: [
          { Key: 'digitised/b1/v2/data/a.txt', VersionId: 'a-2' },
          { Key: 'digitised/b1/v2/data/a.txt', VersionId: 'a-1' },
        ],
      })
      .resolvesOnce({
        IsTruncated: false,
        Versions: [{ Key: 'digitised/b1/v2/bagit.txt', VersionId: 'b-1' }],
        DeleteMarkers: [{ Key: 'digitised/b1/v2/data/c.txt', VersionId: 'c-marker' }],
      });
    s3.on(DeleteObjectsCommand).resolves({});

    expect(await removeUnregisteredVersion('digitised', 'b1', 2)).toEqual({ removed: 4, held: 0 });
    const deleted = s3.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input);
    expect(deleted).toEqual([
      {
        Bucket: 'replica-v',
        Delete: {
          Objects: [
            { Key: 'digitised/b1/v2/data/a.txt', VersionId: 'a-2' },
            { Key: 'digitised/b1/v2/data/a.txt', VersionId: 'a-1' },
          ],
          Quiet: true,
        },
      },
      {
        Bucket: 'replica-v',
        Delete: {
          Objects: [
            { Key: 'digitised/b1/v2/bagit.txt', VersionId: 'b-1' },
            { Key: 'digitised/b1/v2/data/c.txt', VersionId: 'c-marker' },
          ],
          Quiet: true,
        },
      },
    ]);
    const second = s3
      .commandCalls(ListObjectVersionsCommand)
      .find((call) => call.args[0].input.Bucket === 'replica-v' && call.args[0].input.KeyMarker);
    expect(second?.args[0].input).toMatchObject({
      KeyMarker: 'digitised/b1/v2/data/a.txt',
      VersionIdMarker: 'a-1',
    });
    // Every location and the storage manifest Register may have written were looked at.
    const listed = s3
      .commandCalls(ListObjectVersionsCommand)
      .map((call) => [call.args[0].input.Bucket, call.args[0].input.Prefix]);
    expect(listed).toContainEqual(['primary-v', 'digitised/b1/v2/']);
    expect(listed).toContainEqual(['primary-v', '.manifests/digitised/b1/v2.json']);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it('in a location without Object Lock (s3rver) deletes the current objects', async () => {
    useBuckets('primary-plain', 'replica-plain', false);
    s3.on(ListObjectsV2Command)
      .resolves({})
      .on(ListObjectsV2Command, { Bucket: 'primary-plain', Prefix: 'digitised/b1/v1/' })
      .resolves({ Contents: [{ Key: 'digitised/b1/v1/bagit.txt' }] });
    s3.on(DeleteObjectsCommand).resolves({});
    expect(await removeUnregisteredVersion('digitised', 'b1', 1)).toEqual({ removed: 1, held: 0 });
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects).toEqual([
      { Key: 'digitised/b1/v1/bagit.txt' },
    ]);
    expect(s3.commandCalls(ListObjectVersionsCommand)).toHaveLength(0);
  });

  it('never touches a registered version', async () => {
    useBuckets('primary-held', 'replica-held', true);
    dynamo.on(GetCommand).resolves({ Item: { pk: 'BAG#digitised#b1', sk: 'VERSION#000001' } });
    await expect(removeUnregisteredVersion('digitised', 'b1', 1)).rejects.toThrow(
      'Refusing to clean digitised/b1 v1: it is registered',
    );
    expect(s3.calls()).toHaveLength(0);
  });

  it('keeps a version S3 refuses to delete only when it is under legal hold', async () => {
    useBuckets('primary-h', 'replica-h', true);
    s3.on(ListObjectVersionsCommand)
      .resolves({ IsTruncated: false })
      .on(ListObjectVersionsCommand, { Bucket: 'primary-h', Prefix: 'digitised/b1/v3/' })
      .resolves({
        IsTruncated: false,
        Versions: [
          { Key: 'digitised/b1/v3/a.txt', VersionId: 'held' },
          { Key: 'digitised/b1/v3/b.txt', VersionId: 'free' },
        ],
      });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'digitised/b1/v3/a.txt', VersionId: 'held', Code: 'AccessDenied', Message: 'held' }],
    });
    s3.on(GetObjectLegalHoldCommand).resolves({ LegalHold: { Status: 'ON' } });
    expect(await removeUnregisteredVersion('digitised', 'b1', 3)).toEqual({ removed: 1, held: 1 });

    // Refused for another reason (e.g. a missing permission): an error, never a silent leftover.
    s3.on(GetObjectLegalHoldCommand).resolves({ LegalHold: { Status: 'OFF' } });
    await expect(removeUnregisteredVersion('digitised', 'b1', 3)).rejects.toThrow(
      'Could not delete digitised/b1/v3/a.txt (held) in primary-h: AccessDenied held',
    );
  });
});
