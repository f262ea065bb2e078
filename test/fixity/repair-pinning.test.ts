import { CopyObjectCommand, GetObjectCommand, PutObjectLegalHoldCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.ts';
import { checkChunk } from '../../lambdas/fixity/check-chunk.ts';
import type { FixityFile } from '../../lambdas/fixity/fixity-plan.ts';
import { registeredVersionItem } from '../support/registered-version.ts';
import { fixityPlan, planLocation, storedFileItem } from './fixity-plan-builder.ts';

/**
 * Object Lock locations keep every version, and the storage manifest (which pins each copy's
 * version) is immutable: a repair writes a new version, so its stored-file record must pin that
 * one, or every later read (and the repair's own re-check) would go on reading the bad version.
 * The local S3 has no versions, so this is shown against the S3 and DynamoDB APIs.
 */
const s3 = mockClient(S3Client);
const dynamo = mockClient(DynamoDBDocumentClient);

const good = Buffer.from('page one');
const bad = Buffer.from('page onE');
const checksum = createHash('sha256').update(good).digest('hex');
const file: FixityFile = {
  name: 'data/a.txt',
  key: 'digitised/b1/v1/data/a.txt',
  size: good.length,
  checksum,
  versionIds: { primary: 'held-v1', replica: 'replica-v1' },
};
const plan = fixityPlan({
  locations: [planLocation('primary', { objectLock: true }), planLocation('replica', { objectLock: true })],
  bytes: good.length,
});
const body = (bytes: Buffer) => Readable.from([bytes]);
/** What the file's stored-file record pins (the manifest's ids until a repair re-pins one). */
let recordPins: Record<string, string> | undefined;
const json = (value: unknown) => ({ transformToString: async () => JSON.stringify(value) });

beforeEach(() => {
  s3.reset();
  dynamo.reset();
  process.env[ENV.tableName] = 'table';
  process.env[ENV.unpackBucket] = 'unpack';
  process.env.AWS_REGION = 'us-east-1';
  s3.on(GetObjectCommand, { Bucket: 'unpack' }).callsFake(({ Key }: { Key: string }) => ({
    Body: json(Key.endsWith('plan.json') ? plan : [file]),
  }));
  // The pinned primary version rotted; the replica's and any repaired version hold the right bytes.
  s3.on(GetObjectCommand, { Bucket: 'primary-bucket', VersionId: 'held-v1' }).callsFake(() => ({
    Body: body(bad),
  }));
  s3.on(GetObjectCommand, { Bucket: 'primary-bucket', VersionId: 'repaired-v2' }).callsFake(() => ({
    Body: body(good),
  }));
  s3.on(GetObjectCommand, { Bucket: 'replica-bucket' }).callsFake(() => ({ Body: body(good) }));
  s3.on(CopyObjectCommand).resolves({ VersionId: 'repaired-v2' });
  s3.on(PutObjectLegalHoldCommand).resolves({});
  // Writes (bad-copy records, findings, progress, events) just succeed.
  dynamo.resolves({});
  dynamo.on(BatchGetCommand).resolves({ Responses: { table: [] } });
  recordPins = file.versionIds;
  dynamo.on(GetCommand, { Key: { pk: `FILE#${file.key}`, sk: 'FILE' } }).callsFake(() => ({
    Item: storedFileItem(file, { pk: `FILE#${file.key}`, sk: 'FILE', versionIds: recordPins }),
  }));
  dynamo.on(GetCommand, { Key: { pk: 'BAG#digitised#b1', sk: 'VERSION#000001' } }).resolves({
    Item: registeredVersionItem({ size: file.size }),
  });
});

describe('a repair in an Object Lock location', () => {
  it('pins the rewritten version in the stored-file record and verifies that version', async () => {
    await checkChunk('run-1', 0);

    const copy = s3.commandCalls(CopyObjectCommand)[0]?.args[0].input;
    expect(copy).toMatchObject({
      Bucket: 'primary-bucket',
      Key: file.key,
      CopySource: `replica-bucket/${file.key}?versionId=replica-v1`,
    });
    expect(s3.commandCalls(PutObjectLegalHoldCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'primary-bucket',
      VersionId: 'repaired-v2',
      LegalHold: { Status: 'ON' },
    });
    const repin = dynamo
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.Key?.pk === `FILE#${file.key}`);
    expect(repin).toMatchObject({
      UpdateExpression: 'SET #versionIds.#location = :versionId',
      ExpressionAttributeNames: { '#location': 'primary' },
      ExpressionAttributeValues: { ':versionId': 'repaired-v2' },
    });
    // The re-check read the new version, not the rotten one it replaced.
    const primaryReads = s3
      .commandCalls(GetObjectCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.Bucket === 'primary-bucket')
      .map((input) => input.VersionId);
    expect(primaryReads).toEqual(['held-v1', 'repaired-v2']);
  });

  it('reads the version a record pins over the manifest, so a repaired copy is not repaired again', async () => {
    recordPins = { primary: 'repaired-v2', replica: 'replica-v1' };
    await checkChunk('run-1', 0);
    expect(s3.commandCalls(CopyObjectCommand)).toHaveLength(0);
    const primaryReads = s3
      .commandCalls(GetObjectCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.Bucket === 'primary-bucket')
      .map((input) => input.VersionId);
    expect(primaryReads).toEqual(['repaired-v2']);
  });
});
