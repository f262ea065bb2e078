/**
 * What the local S3 cannot show (versions, delete markers, legal holds): with versioning and Object
 * Lock configured, deletion lists every version, lifts each one's hold before deleting it, and
 * deletes by version id, delete markers included.
 */
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectLegalHoldCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { StorageLocation } from '../../lambdas/storage/locations.ts';
import { listObjectVersions, removeObjectVersions } from '../../lambdas/deletion/stored-object-removal.ts';

const s3 = mockClient(S3Client);
const locked: StorageLocation = {
  name: 'primary',
  bucket: 'primary',
  storageClass: 'STANDARD',
  objectLock: true,
};
const plain: StorageLocation = { ...locked, objectLock: false };

beforeEach(() => {
  s3.reset();
});

describe('removing stored object versions', () => {
  it('lists versions and delete markers, lifts every hold, then deletes each by version id', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: 'digitised/b1/v1/data/a.txt', VersionId: 'va1' },
        { Key: 'digitised/b1/v1/data/a.txt', VersionId: 'va0' },
      ],
      DeleteMarkers: [{ Key: 'digitised/b1/v1/data/b.txt', VersionId: 'm1' }],
    });
    s3.on(PutObjectLegalHoldCommand).resolves({});
    s3.on(DeleteObjectsCommand).resolves({});

    const versions = await listObjectVersions(locked, 'digitised/b1/v1/');
    await removeObjectVersions(locked, versions);

    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
    const holds = s3.commandCalls(PutObjectLegalHoldCommand).map((call) => call.args[0].input);
    expect(holds.map((hold) => [hold.VersionId, hold.LegalHold?.Status]).sort()).toEqual([
      ['va0', 'OFF'],
      ['va1', 'OFF'],
    ]);
    const [deleted] = s3.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete?.Objects);
    expect(deleted).toEqual([
      { Key: 'digitised/b1/v1/data/a.txt', VersionId: 'va1' },
      { Key: 'digitised/b1/v1/data/a.txt', VersionId: 'va0' },
      { Key: 'digitised/b1/v1/data/b.txt', VersionId: 'm1' },
    ]);
    // Holds come off before the delete that they would refuse.
    const order = s3.calls().map((call) => call.args[0].constructor.name);
    expect(order.lastIndexOf('PutObjectLegalHoldCommand')).toBeLessThan(
      order.indexOf('DeleteObjectsCommand'),
    );
  });

  it('fails the step when S3 refuses any key, so the workflow retries it', async () => {
    s3.on(PutObjectLegalHoldCommand).resolves({});
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'k', Code: 'AccessDenied', Message: 'Access Denied' }],
    });
    await expect(
      removeObjectVersions(locked, [{ key: 'k', versionId: 'v', deleteMarker: false }]),
    ).rejects.toThrow(/Could not delete 1 object versions, e.g. k: Access Denied/);
  });

  it('keeps only the exact key when asked (a manifest key is a prefix of longer keys)', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: '.manifests/d/b/v1.json', VersionId: 'a' },
        { Key: '.manifests/d/b/v1.json/other/v1.json', VersionId: 'b' },
      ],
    });
    expect(await listObjectVersions(locked, '.manifests/d/b/v1.json', true)).toEqual([
      { key: '.manifests/d/b/v1.json', versionId: 'a', deleteMarker: false },
    ]);
  });

  it('without versioning or Object Lock lists objects and lifts no holds', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'd/b/v1/x' }] });
    s3.on(DeleteObjectsCommand).resolves({});
    await removeObjectVersions(plain, await listObjectVersions(plain, 'd/b/v1/'));
    expect(s3.commandCalls(PutObjectLegalHoldCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects).toEqual([
      { Key: 'd/b/v1/x' },
    ]);
  });
});
