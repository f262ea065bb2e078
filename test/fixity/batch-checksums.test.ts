/**
 * Issue 9: a cold copy with no full-object SHA-256 recorded (a copy made before checksums were kept,
 * a multipart copy over 5 GiB) is checked by S3 Batch Operations "Compute checksum": never by a
 * restore. The local S3 has neither cold storage nor Batch Operations, so this runs against the S3,
 * S3 Control and DynamoDB APIs (aws-sdk-client-mock), with a small in-memory bucket for the work area.
 */
import {
  CopyObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  RestoreObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateJobCommand,
  type CreateJobCommandInput,
  DescribeJobCommand,
  S3ControlClient,
} from '@aws-sdk/client-s3-control';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
} from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.ts';
import { collectChecksums, startChecksumJob } from '../../lambdas/fixity/batch-checksums.ts';
import { checkChunk } from '../../lambdas/fixity/check-chunk.ts';
import type { FixityFile } from '../../lambdas/fixity/fixity-plan.ts';
import type { Finding } from '../../lambdas/fixity/fixity-runs.ts';
import { registeredVersionItem } from '../support/registered-version.ts';
import { fixityPlan, planLocation, storedFileItem } from './fixity-plan-builder.ts';

const s3 = mockClient(S3Client);
const control = mockClient(S3ControlClient);
const dynamo = mockClient(DynamoDBDocumentClient);

const ROLE = 'arn:aws:iam::123456789012:role/bagvault-checksum-batch';
const sha256 = (text: string) => createHash('sha256').update(text).digest();
const contents: Record<string, string> = {
  'data/good.txt': 'page one',
  'data/rotten.txt': 'page two',
  'data/unreadable.txt': 'page three',
};
const files: FixityFile[] = Object.entries(contents).map(([name, text]) => ({
  name,
  key: `digitised/b1/v1/${name}`,
  size: text.length,
  checksum: sha256(text).toString('hex'),
}));
const plan = fixityPlan({
  locations: [planLocation('primary'), planLocation('replica', { storageClass: 'DEEP_ARCHIVE' })],
  files: files.length,
  bytes: 30,
});
const WORK = '.work/fixity-run-1/';

/** The work area (unpack bucket), as S3 would hold it. */
let work: Map<string, string>;
let repaired: Set<string>;

function body(text: string) {
  return Object.assign(Readable.from([Buffer.from(text)]), { transformToString: async () => text });
}

async function textOf(value: unknown): Promise<string> {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of value as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

const findings = () =>
  dynamo
    .commandCalls(BatchWriteCommand)
    .flatMap((call) => Object.values(call.args[0].input.RequestItems ?? {}).flat())
    .map((request) => request.PutRequest?.Item as unknown as Finding);

beforeEach(() => {
  s3.reset();
  control.reset();
  dynamo.reset();
  process.env[ENV.tableName] = 'table';
  process.env[ENV.unpackBucket] = 'unpack';
  process.env[ENV.batchOperationsRoleArn] = ROLE;
  process.env.AWS_REGION = 'us-east-1';
  work = new Map([
    [`${WORK}plan.json`, JSON.stringify(plan)],
    [`${WORK}chunks/000000.json`, JSON.stringify(files)],
  ]);
  repaired = new Set();
  s3.on(PutObjectCommand, { Bucket: 'unpack' }).callsFake(async ({ Key, Body }) => {
    work.set(Key as string, await textOf(Body));
    return { ETag: '"manifest-etag"' };
  });
  s3.on(GetObjectCommand, { Bucket: 'unpack' }).callsFake(({ Key }: { Key: string }) => {
    const text = work.get(Key);
    if (text === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
    return { Body: body(text) };
  });
  s3.on(HeadObjectCommand, { Bucket: 'unpack' }).resolves({ ETag: '"manifest-etag"' });
  s3.on(ListObjectsV2Command, { Bucket: 'unpack' }).callsFake(({ Prefix }: { Prefix: string }) => ({
    Contents: [...work.keys()]
      .filter((key) => key.startsWith(Prefix))
      .sort()
      .map((Key) => ({ Key, Size: 1 })),
  }));
  // The primary (STANDARD) copies read back right.
  s3.on(GetObjectCommand, { Bucket: 'primary-bucket' }).callsFake(({ Key }: { Key: string }) => ({
    Body: body(contents[Key.replace('digitised/b1/v1/', '')] as string),
  }));
  // The cold copies carry no full-object checksum (until a repair rewrites one with it).
  s3.on(GetObjectAttributesCommand, { Bucket: 'replica-bucket' }).callsFake(({ Key }: { Key: string }) => {
    const name = Key.replace('digitised/b1/v1/', '');
    return {
      ObjectSize: (contents[name] as string).length,
      Checksum: repaired.has(Key)
        ? { ChecksumSHA256: sha256(contents[name] as string).toString('base64') }
        : {},
    };
  });
  s3.on(CopyObjectCommand).callsFake(({ Key }: { Key: string }) => {
    repaired.add(Key);
    return {};
  });
  dynamo.resolves({});
  dynamo.on(BatchGetCommand).resolves({ Responses: { table: [] } });
  for (const file of files) {
    dynamo.on(GetCommand, { Key: { pk: `FILE#${file.key}`, sk: 'FILE' } }).resolves({
      Item: storedFileItem(file),
    });
  }
  dynamo.on(GetCommand, { Key: { pk: 'BAG#digitised#b1', sk: 'VERSION#000001' } }).resolves({
    Item: registeredVersionItem(),
  });
});
afterEach(() => {
  // Whatever the path, a cold copy is never restored.
  expect(s3.commandCalls(RestoreObjectCommand)).toHaveLength(0);
  delete process.env[ENV.batchOperationsRoleArn];
});

describe('a cold copy without a recorded SHA-256', () => {
  it('is deferred by its chunk check to a Batch Operations request in the work area, not reported', async () => {
    await checkChunk('run-1', 0);
    expect(findings()).toEqual([]);
    const requests = JSON.parse(work.get(`${WORK}checksum-requests/000000.json`) ?? '[]') as {
      location: string;
      sha256: string;
    }[];
    expect(requests.map((request) => [request.location, request.sha256])).toEqual(
      files.map((file) => ['replica', file.checksum]),
    );
  });

  it('is reported not checkable where no Batch Operations role is configured (the local stack)', async () => {
    delete process.env[ENV.batchOperationsRoleArn];
    await checkChunk('run-1', 0);
    expect(findings().map((finding) => [finding.kind, finding.location])).toEqual(
      files.map(() => ['notCheckable', 'replica']),
    );
    expect([...work.keys()].some((key) => key.includes('checksum-requests'))).toBe(false);
    expect(await startChecksumJob('run-1')).toEqual({ pending: false });
    expect(control.commandCalls(CreateJobCommand)).toHaveLength(0);
  });
});

describe('the Compute checksum job', () => {
  it('is created once per run with a manifest of the requested copies and a report to the work area', async () => {
    await checkChunk('run-1', 0);
    control.on(CreateJobCommand).resolves({ JobId: 'job-1' });
    expect(await startChecksumJob('run-1')).toEqual({ pending: true });
    // A retried step finds its job instead of creating another.
    expect(await startChecksumJob('run-1')).toEqual({ pending: true });
    expect(control.commandCalls(CreateJobCommand)).toHaveLength(1);

    const job = control.commandCalls(CreateJobCommand)[0]?.args[0].input as CreateJobCommandInput;
    expect(job).toMatchObject({
      AccountId: '123456789012',
      RoleArn: ROLE,
      ClientRequestToken: 'run-1',
      ConfirmationRequired: false,
      Operation: { S3ComputeObjectChecksum: { ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' } },
      Manifest: {
        Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
        Location: { ObjectArn: `arn:aws:s3:::unpack/${WORK}checksum-manifest.csv`, ETag: '"manifest-etag"' },
      },
      Report: {
        Bucket: 'arn:aws:s3:::unpack',
        Enabled: true,
        Format: 'Report_CSV_20180820',
        Prefix: `${WORK}checksum-report`,
        ReportScope: 'AllTasks',
      },
    });
    expect(work.get(`${WORK}checksum-manifest.csv`)).toBe(
      files.map((file) => `replica-bucket,${file.key}\n`).join(''),
    );
  });

  it('is waited for while it runs; its report then settles every copy: verified, repaired, or why not', async () => {
    await checkChunk('run-1', 0);
    control.on(CreateJobCommand).resolves({ JobId: 'job-1' });
    await startChecksumJob('run-1');

    control.on(DescribeJobCommand).resolves({ Job: { Status: 'Active' } });
    expect(await collectChecksums('run-1')).toEqual({ pending: true });
    expect(findings()).toEqual([]);

    control.on(DescribeJobCommand).resolves({ Job: { Status: 'Complete' } });
    const result = (checksum: Buffer) =>
      `"${JSON.stringify({ checksum_base64: checksum.toString('base64'), checksumAlgorithm: 'SHA256' }).replaceAll('"', '""')}"`;
    const rows = [
      `replica-bucket,digitised/b1/v1/data/good.txt,,succeeded,200,,${result(sha256('page one'))}`,
      `replica-bucket,digitised/b1/v1/data/rotten.txt,,succeeded,200,,${result(sha256('page 2wo'))}`,
      `replica-bucket,digitised/b1/v1/data/unreadable.txt,,failed,403,AccessDenied,Access Denied`,
    ];
    work.set(
      `${WORK}checksum-report/job-job-1/manifest.json`,
      JSON.stringify({
        Format: 'Report_CSV_20180820',
        ReportSchema: 'Bucket, Key, VersionId, TaskStatus, HTTPStatusCode, ErrorCode, ResultMessage',
        Results: [
          {
            TaskExecutionStatus: 'succeeded',
            Bucket: 'unpack',
            Key: `${WORK}checksum-report/job-job-1/results/a.csv`,
          },
        ],
      }),
    );
    work.set(`${WORK}checksum-report/job-job-1/results/a.csv`, `${rows.join('\n')}\n`);
    expect(await collectChecksums('run-1')).toEqual({ pending: false });

    const settled = findings();
    expect(settled.map((finding) => [finding.kind, finding.path, finding.location])).toEqual([
      ['changed', 'data/rotten.txt', 'replica'],
      ['notCheckable', 'data/unreadable.txt', 'replica'],
    ]);
    const [rotten, unreadable] = settled;
    expect(rotten).toMatchObject({
      actual: sha256('page 2wo').toString('hex'),
      expected: sha256('page two').toString('hex'),
      repaired: { from: 'primary' },
    });
    // Rewritten server side from the verified primary copy, into the cold class, with a SHA-256.
    expect(s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({
        Bucket: 'replica-bucket',
        Key: 'digitised/b1/v1/data/rotten.txt',
        CopySource: 'primary-bucket/digitised/b1/v1/data/rotten.txt',
        StorageClass: 'DEEP_ARCHIVE',
        ChecksumAlgorithm: 'SHA256',
      }),
    ]);
    expect(unreadable?.message).toContain('AccessDenied');
    expect(unreadable?.repaired).toBeUndefined();
  });

  it('that outlives its deadline leaves its copies not checked, saying so', async () => {
    await checkChunk('run-1', 0);
    control.on(CreateJobCommand).resolves({ JobId: 'job-1' });
    await startChecksumJob('run-1');
    const record = JSON.parse(work.get(`${WORK}checksum-job.json`) as string) as { createdDate: string };
    record.createdDate = new Date(Date.now() - 49 * 3600_000).toISOString();
    work.set(`${WORK}checksum-job.json`, JSON.stringify(record));
    control.on(DescribeJobCommand).resolves({ Job: { Status: 'Active' } });
    expect(await collectChecksums('run-1')).toEqual({ pending: false });
    expect(findings().map((finding) => finding.kind)).toEqual(files.map(() => 'notCheckable'));
    expect(findings()[0]?.message).toMatch(/did not finish within 48 hours/);
  });
});
