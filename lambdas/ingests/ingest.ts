import type { IngestStatus } from './ingest-schema.ts';

/** An ingest as the API shows it (SPEC §5.2): its schema is ingest-schema.ts. */
export type { CallbackStatus, Ingest, IngestEvent, IngestStatus, IngestType } from './ingest-schema.ts';

export const FINAL_STATUSES: readonly IngestStatus[] = ['succeeded', 'failed', 'cancelled'];

/** The workflow steps, in order, as event texts name them (SPEC §5.3). */
export const STEPS = {
  unpacking: 'Unpacking',
  detectingBagRoot: 'Detecting bag root',
  verifying: 'Verification (pre-replicating to archive storage)',
  assigningVersion: 'Assigning bag version',
  aggregating: 'Aggregating replicas',
  registering: 'Register',
} as const;

/** What a failure names when the ingest failed before any step started. */
export const NO_STEP = 'Ingest';

export const replicatingStep = (location: string) => `Replicating to ${location}`;
export const verifyingReplicaStep = (location: string) => `Verification (${location})`;

/** Steps before which an ingest may still be cancelled. */
export const CANCELLABLE_STEPS: readonly string[] = [
  STEPS.unpacking,
  STEPS.detectingBagRoot,
  STEPS.verifying,
];

const MAX_DETAIL = 250;

/** Details and reasons are cut at 250 characters, then `...` (SPEC §5.3). */
export function truncateDetail(text: string): string {
  const oneLine = text.replace(/\s*\n\s*/g, '; ');
  return oneLine.length > MAX_DETAIL ? `${oneLine.slice(0, MAX_DETAIL)}...` : oneLine;
}

export const startedEvent = (step: string) => `${step} started`;
export const succeededEvent = (step: string, detail?: string) =>
  detail ? `${step} succeeded - ${truncateDetail(detail)}` : `${step} succeeded`;
export const failedEvent = (step: string, reason: string) => `${step} failed - ${truncateDetail(reason)}`;

/** "168 KB": decimal units, as Wellcome's unpacker reports them. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${Math.round(value * 10) / 10} ${units[unit]}`;
}

/**
 * What the steps' success events say after "succeeded - " (SPEC §5.3), as Wellcome's
 * UserFacingMessages: one place for every text a user reads in an ingest's events. Tests pin them.
 */
export const STEP_DETAILS = {
  unpacked: (bytes: number, files: number) => `Unpacked ${formatBytes(bytes)} from ${files} files`,
  bagRoot: (bagRoot: string) => (bagRoot ? `bag root is ${bagRoot}` : 'bag root is the top of the archive'),
  verified: (files: number, warnings: readonly string[]) =>
    `Verified ${files} files` + (warnings.length > 0 ? ` with warnings: ${warnings.join('; ')}` : ''),
  versionAssigned: (version: string) => `assigned bag version ${version}`,
  replicaVerified: (method: string) => `verified by ${method}`,
  replicasComplete: 'all replicas complete',
  registered: (space: string, externalIdentifier: string, version: string) =>
    `registered ${space}/${externalIdentifier} ${version}`,
} as const;

/** The events that are not a step's: who cancelled, a workflow that never started, the callback. */
export const INGEST_EVENTS = {
  cancelled: (user: string) => `Ingest cancelled by ${user}`,
  notStarted: 'Ingest failed - the ingest workflow could not be started',
  callbackSucceeded: 'Callback succeeded',
  callbackFailed: (reason: string) => `Callback failed - ${truncateDetail(reason)}`,
} as const;

const RETRY_HINT = 'the ingest can be retried';

/**
 * Why a step failed, after "failed - ". Reasons of the workflow's own making; what the bag or the
 * archive got wrong is named by the BagIt and archive checks that found it (lambdas/bagit, lambdas/archive).
 */
export const FAILURE_REASONS = {
  noArchive: (bucket: string, path: string) => `There is no archive at s3://${bucket}/${path}`,
  unreadableArchive: (bucket: string, path: string, error: string) =>
    `The archive at s3://${bucket}/${path} cannot be read (${error})`,
  fetchNotInPrimary: (url: string, space: string, externalIdentifier: string) =>
    `${url} is not a file of an earlier version of ${space}/${externalIdentifier} in the primary location`,
  fetchNotStored: (url: string) => `${url} is not a stored file`,
  bagExists:
    'Cannot create new bag: a bag with the supplied external identifier already exists in this space',
  noBagToUpdate: 'Cannot update bag: there is no bag with the supplied external identifier in this space',
  versionRegistered: (space: string, externalIdentifier: string, version: string, location: string) =>
    `Refusing to overwrite ${space}/${externalIdentifier} ${version} in ${location}: that version is registered`,
  replicaFiles: (files: string, location: string) => `${files} in ${location}`,
  internal: (error: string) => `internal error (${error}); ${RETRY_HINT}`,
  timedOut: `the ingest workflow timed out; ${RETRY_HINT}`,
  stopped: `the ingest workflow was stopped; ${RETRY_HINT}`,
  workflowFailed: (error: string) => `the ingest workflow failed (${error}); ${RETRY_HINT}`,
  interrupted: (step: string) => `interrupted: the service restarted during ${step}; ${RETRY_HINT}`,
} as const;

/** Why a callback failed, after "Callback failed - ". */
export const CALLBACK_FAILURES = {
  answered: (status: number) => `the server answered ${status}`,
  noAnswer: (seconds: number) => `no answer within ${seconds} s`,
} as const;
