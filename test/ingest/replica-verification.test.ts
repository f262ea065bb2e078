import {
  CopyObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BagFile } from '../../lambdas/ingest-workflow/bag-files.ts';
import { verificationMethod, verifyReplicaFiles } from '../../lambdas/ingest-workflow/replica-verifier.ts';
import { replicateChunk, replicateFile } from '../../lambdas/ingest-workflow/replicator.ts';
import { registeredVersionItem } from '../support/registered-version.ts';
import { coldLocation, warmLocation } from '../support/mocked-aws.ts';

/**
 * Cold storage classes cannot be read back without a restore, which the local S3 cannot show; these
 * paths are checked against the S3 API with aws-sdk-client-mock.
 */
const s3 = mockClient(S3Client);
const cold = coldLocation;
const warm = warmLocation;
const bag = { space: 'digitised', externalIdentifier: 'b1', version: 'v1' };
const content = Buffer.from('page one');
const sha256 = createHash('sha256').update(content).digest();
const sourceOf = () => ({ bucket: 'unpack-bucket', key: 'digitised/i1/bag/data/a.txt' });
const file: BagFile = {
  name: 'data/a.txt',
  size: content.length,
  checksums: { sha256: sha256.toString('hex') },
  heldBy: 'this',
  kind: 'payload',
};

beforeEach(() => {
  s3.reset();
  process.env.BAGVAULT_UNPACK_BUCKET = 'unpack-bucket';
});
afterEach(() => s3.reset());

describe('verifying a cold replica', () => {
  it('uses S3-stored SHA-256 checksums and never reads the object', async () => {
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: sha256.toString('base64') },
    });
    await verifyReplicaFiles(cold, bag, [file], sourceOf);
    expect(verificationMethod(cold)).toBe('S3-stored SHA-256 checksums');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    const call = s3.commandCalls(GetObjectAttributesCommand)[0];
    expect(call?.args[0].input).toMatchObject({
      Bucket: 'replica-bucket',
      Key: 'digitised/b1/v1/data/a.txt',
    });
  });

  it('fails naming the file when the stored checksum differs', async () => {
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: Buffer.alloc(32).toString('base64') },
    });
    await expect(verifyReplicaFiles(cold, bag, [file], sourceOf)).rejects.toThrow('data/a.txt (checksum)');
  });

  describe('an object copied in parts (over 5 GiB)', () => {
    const partChecksum = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');
    const partsOf = (checksums: string[]) => ({
      ObjectParts: {
        IsTruncated: false,
        Parts: checksums.map((checksum, index) => ({
          PartNumber: index + 1,
          Size: 4,
          ChecksumSHA256: checksum,
        })),
      },
    });
    // "page one" is 8 bytes: two parts of 4, read back from the verified file in the unpack area.
    const stubReplica = (parts: ReturnType<typeof partsOf>) => {
      s3.on(GetObjectAttributesCommand, { ObjectAttributes: ['Checksum', 'ObjectSize'] }).resolves({
        ObjectSize: content.length,
        Checksum: { ChecksumSHA256: 'Y2hlY2tzdW1vZmNoZWNrc3Vtcw==-2' },
      });
      s3.on(GetObjectAttributesCommand, { ObjectAttributes: ['ObjectParts'] }).resolves(parts);
      s3.on(GetObjectCommand, { Bucket: 'unpack-bucket', Range: 'bytes=0-3' }).resolves({
        Body: Readable.from([content.subarray(0, 4)]),
      } as never);
      s3.on(GetObjectCommand, { Bucket: 'unpack-bucket', Range: 'bytes=4-7' }).resolves({
        Body: Readable.from([content.subarray(4)]),
      } as never);
    };

    it('passes when every part matches the verified bytes', async () => {
      stubReplica(partsOf([partChecksum(content.subarray(0, 4)), partChecksum(content.subarray(4))]));
      await verifyReplicaFiles(cold, bag, [file], sourceOf);
      expect(
        s3.commandCalls(GetObjectCommand).every((call) => call.args[0].input.Bucket === 'unpack-bucket'),
      ).toBe(true);
    });

    it('fails naming the file when one part differs', async () => {
      stubReplica(partsOf([partChecksum(content.subarray(0, 4)), partChecksum(Buffer.from('oops'))]));
      await expect(verifyReplicaFiles(cold, bag, [file], sourceOf)).rejects.toThrow('data/a.txt (checksum)');
    });

    it('fails when S3 holds no part checksums', async () => {
      stubReplica(partsOf([]));
      await expect(verifyReplicaFiles(cold, bag, [file], sourceOf)).rejects.toThrow(
        'data/a.txt (no stored part checksums)',
      );
    });
  });

  it('fails naming a missing object', async () => {
    s3.on(GetObjectAttributesCommand).rejects(Object.assign(new Error('no such key'), { name: 'NoSuchKey' }));
    await expect(verifyReplicaFiles(cold, bag, [file], sourceOf)).rejects.toThrow('data/a.txt (missing)');
  });

  it('reads warm replicas back instead', () => {
    expect(verificationMethod(warm)).toBe('read-back hashing');
  });
});

describe('replicating into a cold location', () => {
  const target = (location = cold) => ({ ingestId: 'i1', ...bag, bagRoot: 'bag/', location });
  const absent = () =>
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('not found'), { name: 'NotFound' }));

  it('copies server side with the storage class and an S3-computed SHA-256', async () => {
    absent();
    s3.on(CopyObjectCommand).resolves({});
    const result = await replicateFile(target(), file);
    expect(result).toEqual({ outcome: 'copied', versionId: undefined });
    expect(s3.commandCalls(CopyObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'replica-bucket',
      Key: 'digitised/b1/v1/data/a.txt',
      CopySource: 'unpack-bucket/digitised/i1/bag/data/a.txt',
      StorageClass: 'DEEP_ARCHIVE',
      ChecksumAlgorithm: 'SHA256',
    });
  });

  it('with Object Lock, returns the version id the copy created', async () => {
    absent();
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-copied' });
    expect(await replicateFile(target({ ...cold, objectLock: true }), file)).toEqual({
      outcome: 'copied',
      versionId: 'v-copied',
    });
  });

  it('with Object Lock, fails when S3 answers no version id (an unversioned bucket cannot be pinned)', async () => {
    absent();
    s3.on(CopyObjectCommand).resolves({});
    await expect(replicateFile(target({ ...cold, objectLock: true }), file)).rejects.toThrow(
      'returned no version id for digitised/b1/v1/data/a.txt',
    );
  });

  it('rewrites an object left by a failed attempt whose bytes differ, though its sha256 metadata matches', async () => {
    s3.on(HeadObjectCommand).resolves({
      ContentLength: content.length,
      Metadata: { sha256: file.checksums.sha256 as string },
      VersionId: 'v-bad',
    });
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: Buffer.alloc(32).toString('base64') },
    });
    s3.on(CopyObjectCommand).resolves({ VersionId: 'v-good' });
    const result = await replicateFile(target({ ...cold, objectLock: true }), file);
    expect(result).toEqual({ outcome: 'rewritten', versionId: 'v-good' });
    expect(s3.commandCalls(GetObjectAttributesCommand)[0]?.args[0].input).toMatchObject({
      VersionId: 'v-bad',
    });
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(1);
  });

  it('keeps an identical object written by an earlier attempt, pinned to its version', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: content.length, VersionId: 'v-earlier' });
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: sha256.toString('base64') },
    });
    expect(await replicateFile(target({ ...cold, objectLock: true }), file)).toEqual({
      outcome: 'present',
      versionId: 'v-earlier',
    });
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
  });
});

describe('replicating into a version that is registered', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterEach(() => dynamo.restore());

  it('is refused before anything is written: registered objects are never written again', async () => {
    process.env.BAGVAULT_TABLE = 'table';
    dynamo.on(GetCommand).resolves({
      Item: registeredVersionItem({ pk: 'BAG#digitised#b1', sk: 'VERSION#000001' }),
    });
    await expect(
      replicateChunk({ ingestId: 'i1', ...bag, bagRoot: 'bag/', location: warm }, 0, [file]),
    ).rejects.toThrow('Refusing to overwrite digitised/b1 v1 in primary: that version is registered');
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('verifying the version replication wrote', () => {
  it('reads back exactly that version in a warm location', async () => {
    s3.on(GetObjectCommand).resolves({ Body: Readable.from([content]) } as never);
    await verifyReplicaFiles({ ...warm, objectLock: true }, bag, [file], sourceOf, () => 'v-written');
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'primary-bucket',
      Key: 'digitised/b1/v1/data/a.txt',
      VersionId: 'v-written',
    });
  });

  it('checks exactly that version in a cold location', async () => {
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: sha256.toString('base64') },
    });
    await verifyReplicaFiles({ ...cold, objectLock: true }, bag, [file], sourceOf, () => 'v-written');
    expect(s3.commandCalls(GetObjectAttributesCommand)[0]?.args[0].input).toMatchObject({
      VersionId: 'v-written',
    });
  });

  it('fails when replication recorded no version for a file in a location with Object Lock', async () => {
    await expect(
      verifyReplicaFiles({ ...warm, objectLock: true }, bag, [file], sourceOf, () => undefined),
    ).rejects.toThrow('returned no version id');
  });
});
