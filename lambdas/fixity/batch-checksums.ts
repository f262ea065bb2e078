/**
 * S3 Batch Operations "Compute checksum" for cold copies without a recorded full-object SHA-256
 * (issue 9): S3 computes each object's SHA-256 where it lies, in any storage class, without a
 * restore. After the chunk checks, one job per run gets a manifest of the requested copies (in the
 * run's work area) and writes its completion report there; the workflow waits, then reads the
 * report and settles each copy like a chunk check would (verified, changed and repaired, or not
 * checkable with the job's reason).
 */
import {
  CreateJobCommand,
  DescribeJobCommand,
  S3ControlClient,
  type JobStatus,
} from '@aws-sdk/client-s3-control';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { s3 } from '../aws-clients.ts';
import { config } from '../config.ts';
import { isCold, type StorageLocation } from '../storage/locations.ts';
import { getJson, getStored, isMissingObject, openObject, putJson } from '../storage/s3-objects.ts';
import { currentFile, repairSource, settleCheck } from './check-chunk.ts';
import { type ChecksumRequest, checksumRequestChunks } from './checksum-requests.ts';
import { checkCopy, type CopyCheck } from './copy-check.ts';
import { copyHealthKey, knownBadCopies } from './copy-health.ts';
import { type FixityPlan, fixityWorkPrefix, readPlan } from './fixity-plan.ts';
import { type Finding, putFindings } from './fixity-runs.ts';
import { versionIdOf } from './version-ids.ts';

/** A job still running after this long is given up: its copies are reported as not checked. */
export const CHECKSUM_JOB_DEADLINE_HOURS = 48;

interface JobRecord {
  jobId: string;
  createdDate: string;
  reportPrefix: string;
}

let controlClient: S3ControlClient | undefined;
const s3Control = () => (controlClient ??= new S3ControlClient({}));

const jobRecordKey = (runId: string) => `${fixityWorkPrefix(runId)}checksum-job.json`;
const manifestKey = (runId: string) => `${fixityWorkPrefix(runId)}checksum-manifest.csv`;
const reportPrefix = (runId: string) => `${fixityWorkPrefix(runId)}checksum-report`;

/** The account the job runs in: the Batch Operations role's (`arn:aws:iam::{account}:role/…`). */
function accountOf(roleArn: string): string {
  const account = roleArn.split(':')[4];
  if (!account) throw new Error(`Cannot read the account of Batch Operations role ${roleArn}`);
  return account;
}

async function readJobRecord(runId: string): Promise<JobRecord | undefined> {
  try {
    return await getJson<JobRecord>(config().unpackBucket, jobRecordKey(runId));
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

/** Batch Operations manifests name keys URL-encoded; a comma or quote in a key would break the CSV. */
const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/');

function locationNamed(plan: FixityPlan, name: string): StorageLocation {
  const location = plan.locations.find((candidate) => candidate.name === name);
  if (!location) throw new Error(`Fixity run ${plan.runId} has no location "${name}"`);
  return location;
}

/** The manifest's rows, streamed from the chunks' request lists. */
async function* manifestRows(plan: FixityPlan, withVersions: boolean): AsyncGenerator<string> {
  for await (const requests of checksumRequestChunks(plan.runId)) {
    for (const request of requests) {
      const location = locationNamed(plan, request.location);
      const row = [location.bucket, encodeKey(request.file.key)];
      if (withVersions) row.push(versionIdOf(request.file, location) ?? '');
      yield `${row.join(',')}\n`;
    }
  }
}

/**
 * Starts the run's Compute checksum job, unless one was started (a retried step finds its record)
 * or no copy needs one. `pending`: the workflow must wait for the job.
 */
export async function startChecksumJob(runId: string): Promise<{ pending: boolean }> {
  if (await readJobRecord(runId)) return { pending: true };
  const roleArn = config().batchOperationsRoleArn;
  const plan = await readPlan(runId);
  let requested = 0;
  // Object Lock locations pin versions: the job must compute the pinned version's checksum.
  let withVersions = true;
  for await (const requests of checksumRequestChunks(runId)) {
    requested += requests.length;
    if (requests.some((request) => !versionIdOf(request.file, locationNamed(plan, request.location)))) {
      withVersions = false;
    }
  }
  if (requested === 0 || !roleArn) return { pending: false };

  const bucket = config().unpackBucket;
  await new Upload({
    client: s3(),
    params: {
      Bucket: bucket,
      Key: manifestKey(runId),
      Body: Readable.from(manifestRows(plan, withVersions)),
      ContentType: 'text/csv',
    },
  }).done();
  const manifest = await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: manifestKey(runId) }));
  const { JobId } = await s3Control().send(
    new CreateJobCommand({
      AccountId: accountOf(roleArn),
      // The run id makes the request idempotent: a retry after a lost answer gets the same job.
      ClientRequestToken: runId,
      ConfirmationRequired: false,
      Description: `Bagvault fixity ${runId}: SHA-256 of ${requested} cold copies`,
      Priority: 10,
      RoleArn: roleArn,
      Operation: { S3ComputeObjectChecksum: { ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' } },
      Manifest: {
        Spec: {
          Format: 'S3BatchOperations_CSV_20180820',
          Fields: withVersions ? ['Bucket', 'Key', 'VersionId'] : ['Bucket', 'Key'],
        },
        Location: { ObjectArn: `arn:aws:s3:::${bucket}/${manifestKey(runId)}`, ETag: manifest.ETag },
      },
      Report: {
        Bucket: `arn:aws:s3:::${bucket}`,
        Enabled: true,
        Format: 'Report_CSV_20180820',
        Prefix: reportPrefix(runId),
        ReportScope: 'AllTasks',
      },
    }),
  );
  if (!JobId) throw new Error(`S3 Batch Operations returned no job id for fixity run ${runId}`);
  const record: JobRecord = {
    jobId: JobId,
    createdDate: new Date().toISOString(),
    reportPrefix: reportPrefix(runId),
  };
  await putJson(bucket, jobRecordKey(runId), record);
  return { pending: true };
}

/** What the report says of one object. */
export interface TaskResult {
  succeeded: boolean;
  /** Lower-case hex, when S3 computed one. */
  sha256?: string;
  /** The error code and message of a failed task. */
  problem?: string;
}

/** One CSV record (RFC 4180: quoted fields, doubled quotes). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

const hexOfBase64 = (value: string) => Buffer.from(value, 'base64').toString('hex');

/** A Compute checksum task's result message: only the fields read, whatever else S3 adds. */
const resultMessageSchema = z.looseObject({
  checksum_hex: z.unknown().optional(),
  checksumHex: z.unknown().optional(),
  checksum_base64: z.unknown().optional(),
  checksumBase64: z.unknown().optional(),
  checksum: z.unknown().optional(),
});

/** The manifest.json of a job's completion report (written by S3 Batch Operations). */
const reportManifestSchema = z.looseObject({
  ReportSchema: z.string().optional(),
  Results: z.array(z.looseObject({ Bucket: z.string().optional(), Key: z.string() })).optional(),
});

/** The SHA-256 in a Compute checksum task's result message (JSON; hex or base64). */
export function checksumOfResult(message: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  const checked = resultMessageSchema.safeParse(parsed);
  if (!checked.success) return undefined;
  const result = checked.data;
  const hex = result.checksum_hex ?? result.checksumHex;
  if (typeof hex === 'string' && /^[0-9a-fA-F]{64}$/.test(hex)) return hex.toLowerCase();
  const base64 = result.checksum_base64 ?? result.checksumBase64 ?? result.checksum;
  if (typeof base64 === 'string') {
    const decoded = hexOfBase64(base64);
    if (decoded.length === 64) return decoded;
  }
  return undefined;
}

const decodeKey = (key: string) => {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
};

export const resultKey = (bucket: string, key: string, versionId: string | undefined) =>
  `${bucket}\n${key}\n${versionId ?? ''}`;

/**
 * Reads a job's completion report: the report's manifest.json names the result CSVs and their
 * columns (ReportSchema); each row is one object. Keyed by bucket, key and (when the manifest named
 * one) version.
 */
export async function readReport(prefix: string, jobId: string): Promise<Map<string, TaskResult>> {
  const bucket = config().unpackBucket;
  const reportManifest = await getStored(
    bucket,
    `${prefix}/job-${jobId}/manifest.json`,
    'Batch Operations report manifest',
    reportManifestSchema,
  );
  const columns = (
    reportManifest.ReportSchema ??
    'Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage'
  )
    .split(',')
    .map((name) => name.trim());
  const at = (name: string) => columns.indexOf(name);
  const results = new Map<string, TaskResult>();
  for (const result of reportManifest.Results ?? []) {
    const lines = createInterface({ input: await openObject(bucket, result.Key), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const row = parseCsvLine(line);
      const field = (name: string) => (at(name) >= 0 ? (row[at(name)] ?? '') : '');
      const succeeded = field('TaskStatus').toLowerCase() === 'succeeded';
      const message = field('ResultMessage');
      const entry: TaskResult = succeeded
        ? { succeeded, sha256: checksumOfResult(message) }
        : {
            succeeded,
            problem: `${field('ErrorCode') || 'failed'} (HTTP ${field('HTTPStatusCode') || '?'}): ${message}`,
          };
      results.set(
        resultKey(field('Bucket'), decodeKey(field('Key')), field('VersionId') || undefined),
        entry,
      );
    }
  }
  return results;
}

/** How a copy stands by the job's result. */
function checkOf(
  request: ChecksumRequest,
  location: StorageLocation,
  result: TaskResult | undefined,
): CopyCheck {
  const name = `${request.file.name} in ${location.name}`;
  if (!result) {
    return {
      state: 'not-checkable',
      message: `${name}: the S3 Batch Operations report has no result for it`,
    };
  }
  if (!result.succeeded) {
    if (/NoSuchKey|NoSuchVersion|404/.test(result.problem ?? '')) {
      return { state: 'missing', message: `${request.file.name} is missing in ${location.name}` };
    }
    return {
      state: 'not-checkable',
      message: `${name}: S3 Batch Operations could not compute its checksum: ${result.problem}`,
    };
  }
  if (!result.sha256) {
    return {
      state: 'not-checkable',
      message: `${name}: the S3 Batch Operations report gave no SHA-256 for it`,
    };
  }
  if (result.sha256 === request.sha256) return { state: 'ok' };
  return {
    state: 'changed',
    actual: result.sha256,
    message: `${name}: the SHA-256 S3 Batch Operations computed, ${result.sha256}, does not match ${request.sha256}`,
  };
}

/** A verified copy to repair from, read back now: the chunk's checks are not kept. */
async function verifiedSource(
  plan: FixityPlan,
  request: ChecksumRequest,
): Promise<StorageLocation | undefined> {
  const { file, sha256Of } = await currentFile(request.file);
  const readable = plan.locations.filter((location) => !isCold(location.storageClass));
  const checks = await Promise.all(
    readable.map((location) => checkCopy(location, file, plan.algorithm, sha256Of)),
  );
  return repairSource({ ...plan, locations: readable }, checks);
}

async function settleAll(plan: FixityPlan, results: Map<string, TaskResult> | undefined, why: string) {
  for await (const requests of checksumRequestChunks(plan.runId)) {
    const knownBad = await knownBadCopies(
      requests.map((r) => ({ fileId: r.file.key, location: r.location })),
    );
    const findings: Finding[] = [];
    for (const request of requests) {
      const location = locationNamed(plan, request.location);
      const check: CopyCheck = results
        ? checkOf(
            request,
            location,
            results.get(resultKey(location.bucket, request.file.key, versionIdOf(request.file, location))) ??
              results.get(resultKey(location.bucket, request.file.key, undefined)),
          )
        : { state: 'not-checkable', message: `${request.file.name} in ${location.name}: ${why}` };
      const source =
        check.state === 'changed' || check.state === 'missing'
          ? await verifiedSource(plan, request)
          : undefined;
      const { sha256Of } = await currentFile(request.file);
      const finding = await settleCheck(
        plan,
        request.file,
        location,
        check,
        source,
        sha256Of,
        knownBad.has(copyHealthKey(request.file.key, location.name)),
      );
      if (finding) findings.push(finding);
    }
    await putFindings(plan.runId, findings);
  }
}

const RUNNING: ReadonlySet<JobStatus | string> = new Set([
  'New',
  'Preparing',
  'Ready',
  'Active',
  'Pausing',
  'Paused',
  'Completing',
  'Cancelling',
  'Failing',
  'Suspended',
]);

/**
 * Looks at the run's job: still running → `pending` (the workflow waits and looks again); ended →
 * its report settles every requested copy. A job that outlives the deadline, or fails without a
 * report, leaves its copies not checked, saying why: the run fails loudly rather than pass them.
 */
export async function collectChecksums(runId: string): Promise<{ pending: boolean }> {
  const record = await readJobRecord(runId);
  if (!record) return { pending: false };
  const roleArn = config().batchOperationsRoleArn;
  if (!roleArn)
    throw new Error('Fixity run has a Batch Operations job but no Batch Operations role is configured');
  const { Job } = await s3Control().send(
    new DescribeJobCommand({ AccountId: accountOf(roleArn), JobId: record.jobId }),
  );
  const status = Job?.Status ?? 'Unknown';
  const plan = await readPlan(runId);
  const age = Date.now() - Date.parse(record.createdDate);
  if (RUNNING.has(status)) {
    if (age < CHECKSUM_JOB_DEADLINE_HOURS * 3600_000) return { pending: true };
    await settleAll(
      plan,
      undefined,
      `S3 Batch Operations job ${record.jobId} did not finish within ${CHECKSUM_JOB_DEADLINE_HOURS} hours (${status})`,
    );
    return { pending: false };
  }
  let results: Map<string, TaskResult> | undefined;
  try {
    results = await readReport(record.reportPrefix, record.jobId);
  } catch (error) {
    if (!isMissingObject(error)) throw error;
  }
  const reason = `S3 Batch Operations job ${record.jobId} ended ${status} without a report${Job?.FailureReasons?.[0]?.FailureReason ? `: ${Job.FailureReasons[0].FailureReason}` : ''}`;
  await settleAll(plan, results, reason);
  return { pending: false };
}
