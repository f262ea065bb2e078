import {
  CopyObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  PutObjectLegalHoldCommand,
  RestoreObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.ts';
import { checkCopy, checkMethod } from '../../lambdas/fixity/copy-check.ts';
import type { FixityFile } from '../../lambdas/fixity/fixity-plan.ts';
import { rewriteCopy } from '../../lambdas/fixity/repair.ts';
import { coldLocation, warmLocation } from '../support/mocked-aws.ts';

/**
 * Cold copies cannot be read without a restore, and the local S3 has neither cold storage nor
 * checksums: these paths are checked against the S3 API with aws-sdk-client-mock.
 */
const s3 = mockClient(S3Client);
const cold = coldLocation;
const warm = warmLocation;
const content = Buffer.from('page one');
const sha256 = createHash('sha256').update(content).digest();
const sha512 = createHash('sha512').update(content).digest('hex');
const file: FixityFile = {
  name: 'data/a.txt',
  key: 'digitised/b1/v1/data/a.txt',
  size: content.length,
  checksum: sha256.toString('hex'),
};
const noLookup = async () => undefined;

beforeEach(() => {
  s3.reset();
  // A multipart repair would keep its progress in the run's work area.
  process.env[ENV.unpackBucket] = 'unpack';
});
afterEach(() => {
  // Whatever a cold check does, it never restores and never reads the object.
  expect(s3.commandCalls(RestoreObjectCommand)).toHaveLength(0);
  s3.reset();
});

describe('checking a cold copy without a restore', () => {
  it("passes when S3's full-object SHA-256 matches the manifest, reading no bytes", async () => {
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: sha256.toString('base64') },
    });
    expect(checkMethod(cold)).toBe('S3 full-object SHA-256 checksum');
    expect(await checkCopy(cold, file, 'sha256', noLookup)).toEqual({ state: 'ok' });
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(GetObjectAttributesCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'replica-bucket',
      Key: 'digitised/b1/v1/data/a.txt',
      ObjectAttributes: ['Checksum', 'ObjectSize'],
    });
  });

  it('reports changed when the stored checksum differs', async () => {
    const other = createHash('sha256').update('other').digest();
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: other.toString('base64') },
    });
    expect(await checkCopy(cold, file, 'sha256', noLookup)).toMatchObject({
      state: 'changed',
      actual: other.toString('hex'),
    });
  });

  it('reports changed when the size differs', async () => {
    s3.on(GetObjectAttributesCommand).resolves({ ObjectSize: 3 });
    expect(await checkCopy(cold, file, 'sha256', noLookup)).toMatchObject({ state: 'changed' });
  });

  it('reports missing when there is no object', async () => {
    s3.on(GetObjectAttributesCommand).rejects(Object.assign(new Error('no'), { name: 'NoSuchKey' }));
    expect(await checkCopy(cold, file, 'sha256', noLookup)).toMatchObject({ state: 'missing' });
  });

  it.each([
    ['no checksum was recorded', {}],
    ['only per-part checksums were recorded', { ChecksumSHA256: 'abc=-3' }],
  ])('reports not checkable, naming Batch Operations, when %s', async (_, checksum) => {
    s3.on(GetObjectAttributesCommand).resolves({ ObjectSize: content.length, Checksum: checksum });
    const result = await checkCopy(cold, file, 'sha256', noLookup);
    expect(result).toMatchObject({ state: 'not-checkable' });
    expect((result as { message: string }).message).toMatch(/Batch Operations "Compute checksum"/);
  });

  it("compares the file's SHA-256 from the registry when the manifest's algorithm is SHA-512", async () => {
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: sha256.toString('base64') },
    });
    const manifest512 = { ...file, checksum: sha512 };
    expect(await checkCopy(cold, manifest512, 'sha512', async () => sha256.toString('hex'))).toEqual({
      state: 'ok',
    });
    expect(await checkCopy(cold, manifest512, 'sha512', noLookup)).toMatchObject({
      state: 'not-checkable',
    });
  });

  it('checks a STANDARD-location copy that a lifecycle rule moved to a cold class by its checksum', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('archived'), { name: 'InvalidObjectState' }));
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: sha256.toString('base64') },
    });
    expect(await checkCopy(warm, file, 'sha256', noLookup)).toEqual({ state: 'ok' });
  });

  it('reads a STANDARD copy back and hashes it', async () => {
    s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([Buffer.from('page 0ne')]) }));
    expect(await checkCopy(warm, file, 'sha256', noLookup)).toMatchObject({ state: 'changed' });
    expect(s3.commandCalls(GetObjectAttributesCommand)).toHaveLength(0);
  });
});

describe('repairing a cold copy', () => {
  it("rewrites it server side with the cold location's storage class and an S3-computed SHA-256", async () => {
    s3.on(CopyObjectCommand).resolves({});
    await rewriteCopy('run-1', cold, warm, file, sha256.toString('hex'));
    expect(s3.commandCalls(CopyObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'replica-bucket',
      Key: 'digitised/b1/v1/data/a.txt',
      CopySource: 'primary-bucket/digitised/b1/v1/data/a.txt',
      StorageClass: 'DEEP_ARCHIVE',
      ChecksumAlgorithm: 'SHA256',
    });
  });
});

describe('copies pinned by version (Object Lock locations)', () => {
  const locked = { ...warm, objectLock: true };
  const lockedCold = { ...cold, objectLock: true };
  const pinned = { ...file, versionIds: { primary: 'held-primary', 'replica-glacier': 'held-replica' } };

  it('reads and checks the version the manifest pins', async () => {
    s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([content]) }));
    s3.on(GetObjectAttributesCommand).resolves({
      ObjectSize: content.length,
      Checksum: { ChecksumSHA256: sha256.toString('base64') },
    });
    expect(await checkCopy(locked, pinned, 'sha256', noLookup)).toEqual({ state: 'ok' });
    expect(await checkCopy(lockedCold, pinned, 'sha256', noLookup)).toEqual({ state: 'ok' });
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input.VersionId).toBe('held-primary');
    expect(s3.commandCalls(GetObjectAttributesCommand)[0]?.args[0].input.VersionId).toBe('held-replica');
  });

  it('copies from the pinned source version and puts a legal hold on the new version', async () => {
    s3.on(CopyObjectCommand).resolves({ VersionId: 'repaired-version' });
    s3.on(PutObjectLegalHoldCommand).resolves({});
    expect(await rewriteCopy('run-1', lockedCold, locked, pinned, sha256.toString('hex'))).toEqual({
      versionId: 'repaired-version',
    });
    expect(s3.commandCalls(CopyObjectCommand)[0]?.args[0].input.CopySource).toBe(
      'primary-bucket/digitised/b1/v1/data/a.txt?versionId=held-primary',
    );
    expect(s3.commandCalls(PutObjectLegalHoldCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'replica-bucket',
      Key: 'digitised/b1/v1/data/a.txt',
      VersionId: 'repaired-version',
      LegalHold: { Status: 'ON' },
    });
  });
});
