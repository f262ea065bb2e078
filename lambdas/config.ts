import { z } from 'zod';

/**
 * Every setting a handler reads, in one place. Handlers never know whether they run in AWS or in the
 * local stack: the CDK stack and `local/` both set these variables, and the AWS SDK reads its own
 * endpoint variables (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SFN).
 */
const replicaLocationSchema = z.object({
  /** Name used in event texts, e.g. "replica-glacier". */
  name: z.string().min(1),
  bucket: z.string().min(1),
  /** S3 storage class the replica's objects are written with (STANDARD, DEEP_ARCHIVE, ...). */
  storageClass: z.string().min(1),
  /**
   * The bucket has versioning and Object Lock: every write must yield a version id, Register puts a
   * legal hold on it, and reads name it. False (the local S3 has neither): no version ids, no holds.
   */
  objectLock: z.boolean().optional(),
});
export type ReplicaLocation = z.output<typeof replicaLocationSchema>;

export const DEFAULTS = {
  presignExpiresSeconds: 15 * 60,
  cartTtlSeconds: 7 * 24 * 3600,
  fixityIntervalSeconds: 90 * 24 * 3600,
  fixityMaxConcurrentRuns: 4,
  fixitySweepSeconds: 3600,
  maxUnpackedBytes: 1024 ** 4,
  maxUnpackedFiles: 1_000_000,
  unpackCheckpointFiles: 1000,
  fargateUnpackAboveBytes: 20 * 1000 ** 3,
  chunkMaxFiles: 500,
  chunkMaxBytes: 10 * 1024 ** 3,
  primaryStorageClass: 'STANDARD',
};

/** A variable that must be set (an empty value counts as unset). */
const required = () => z.string({ error: 'is not set' });
const optional = () => z.string().optional();
const flag = () =>
  z
    .enum(['true', 'false'], { error: 'must be "true" or "false"' })
    .optional()
    .transform((value) => value === 'true');
const positiveInteger = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a positive integer' })
    .pipe(z.int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' }))
    .optional()
    .default(fallback);
/** A JSON document in one variable. */
const json = <S extends z.ZodType>(schema: S) =>
  z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/**
 * Every setting a handler reads, by the name handlers use; ENV names each one's variable. Read one
 * at a time when used (see config()), each checked by its schema.
 */
export const configSchema = z.object({
  tableName: required(),
  uploadBucket: required(),
  unpackBucket: required(),
  primaryBucket: required(),
  primaryStorageClass: z.string().optional().default(DEFAULTS.primaryStorageClass),
  /** See ReplicaLocation.objectLock. */
  primaryObjectLock: flag(),
  replicas: json(z.array(replicaLocationSchema)).optional().default([]),
  bundleBucket: required(),
  ingestStateMachineArn: required(),
  cartStateMachineArn: required(),
  fixityStateMachineArn: required(),
  /** A bag is re-checked when its last fixity check is older than this (default 90 days). */
  fixityIntervalSeconds: positiveInteger(DEFAULTS.fixityIntervalSeconds),
  /** Scheduled fixity runs in flight at once, at most. */
  fixityMaxConcurrentRuns: positiveInteger(DEFAULTS.fixityMaxConcurrentRuns),
  /** Seconds between two sweeps of the fixity schedule (the sweep paces itself by it). Fractions: tests sweep several times a second. */
  fixitySweepSeconds: z.coerce
    .number({ error: 'must be a positive number' })
    .pipe(z.number().positive({ error: 'must be a positive number' }))
    .optional()
    .default(DEFAULTS.fixitySweepSeconds),
  deletionStateMachineArn: required(),
  presignExpiresSeconds: positiveInteger(DEFAULTS.presignExpiresSeconds),
  cartTtlSeconds: positiveInteger(DEFAULTS.cartTtlSeconds),
  maxUnpackedBytes: positiveInteger(DEFAULTS.maxUnpackedBytes),
  maxUnpackedFiles: positiveInteger(DEFAULTS.maxUnpackedFiles),
  /** Unpack writes a checkpoint after at most this many files (default 1,000). */
  unpackCheckpointFiles: positiveInteger(DEFAULTS.unpackCheckpointFiles),
  /** Archives larger than this unpack on ECS Fargate instead of Lambda (default 20 GB). */
  fargateUnpackAboveBytes: positiveInteger(DEFAULTS.fargateUnpackAboveBytes),
  /**
   * A chunk of a bag's file list (what one Task replicates, verifies or fixity-checks) holds at most
   * this many files and, unless a single file is bigger, this many bytes: one invocation's work.
   */
  chunkMaxFiles: positiveInteger(DEFAULTS.chunkMaxFiles),
  chunkMaxBytes: positiveInteger(DEFAULTS.chunkMaxBytes),
  /** Only the local stack sets this, so its tests can receive callbacks on 127.0.0.1. */
  allowLoopbackCallbacks: flag(),
  s3ForcePathStyle: flag(),
  /**
   * Where the secret that authenticates list cursors comes from: the secret itself (the local stack,
   * from its home) or the ARN of a Secrets Manager secret (AWS). One of the two is required by lists.
   */
  cursorSecret: optional(),
  cursorSecretArn: optional(),
  /**
   * Credentials for a DynamoDB-compatible service whose keys differ from S3's (the local stack pointed
   * at other engines, SPEC §2); unset in AWS, where the role's credentials serve every client.
   */
  dynamoDBAccessKeyId: optional(),
  dynamoDBSecretAccessKey: optional(),
  /**
   * The role S3 Batch Operations assumes to compute checksums of cold copies that have no recorded
   * full-object SHA-256 (fixity). Unset (the local S3 has no Batch Operations): such copies are
   * reported as not checkable without a restore.
   */
  batchOperationsRoleArn: optional(),
});

export type Config = z.output<typeof configSchema>;

export const ENV = {
  tableName: 'BAGVAULT_TABLE',
  uploadBucket: 'BAGVAULT_UPLOAD_BUCKET',
  unpackBucket: 'BAGVAULT_UNPACK_BUCKET',
  primaryBucket: 'BAGVAULT_PRIMARY_BUCKET',
  primaryStorageClass: 'BAGVAULT_PRIMARY_STORAGE_CLASS',
  primaryObjectLock: 'BAGVAULT_PRIMARY_OBJECT_LOCK',
  replicas: 'BAGVAULT_REPLICAS',
  bundleBucket: 'BAGVAULT_BUNDLE_BUCKET',
  ingestStateMachineArn: 'BAGVAULT_INGEST_STATE_MACHINE_ARN',
  cartStateMachineArn: 'BAGVAULT_CART_STATE_MACHINE_ARN',
  fixityStateMachineArn: 'BAGVAULT_FIXITY_STATE_MACHINE_ARN',
  fixityIntervalSeconds: 'BAGVAULT_FIXITY_INTERVAL_SECONDS',
  fixityMaxConcurrentRuns: 'BAGVAULT_FIXITY_MAX_CONCURRENT_RUNS',
  fixitySweepSeconds: 'BAGVAULT_FIXITY_SWEEP_SECONDS',
  deletionStateMachineArn: 'BAGVAULT_DELETION_STATE_MACHINE_ARN',
  presignExpiresSeconds: 'BAGVAULT_PRESIGN_EXPIRES_SECONDS',
  cartTtlSeconds: 'BAGVAULT_CART_TTL_SECONDS',
  maxUnpackedBytes: 'BAGVAULT_MAX_UNPACKED_BYTES',
  maxUnpackedFiles: 'BAGVAULT_MAX_UNPACKED_FILES',
  unpackCheckpointFiles: 'BAGVAULT_UNPACK_CHECKPOINT_FILES',
  fargateUnpackAboveBytes: 'BAGVAULT_FARGATE_UNPACK_ABOVE_BYTES',
  chunkMaxFiles: 'BAGVAULT_CHUNK_MAX_FILES',
  chunkMaxBytes: 'BAGVAULT_CHUNK_MAX_BYTES',
  allowLoopbackCallbacks: 'BAGVAULT_ALLOW_LOOPBACK_CALLBACKS',
  s3ForcePathStyle: 'BAGVAULT_S3_FORCE_PATH_STYLE',
  cursorSecret: 'BAGVAULT_CURSOR_SECRET',
  cursorSecretArn: 'BAGVAULT_CURSOR_SECRET_ARN',
  dynamoDBAccessKeyId: 'BAGVAULT_DYNAMODB_ACCESS_KEY_ID',
  dynamoDBSecretAccessKey: 'BAGVAULT_DYNAMODB_SECRET_ACCESS_KEY',
  batchOperationsRoleArn: 'BAGVAULT_BATCH_OPERATIONS_ROLE_ARN',
} as const satisfies Record<keyof Config, string>;

/**
 * One setting from its variable, or an error naming the variable: `Missing configuration:
 * environment variable BAGVAULT_TABLE is not set`, `Invalid configuration: BAGVAULT_CHUNK_MAX_FILES
 * must be a positive integer, got "ten"`.
 */
export function setting<K extends keyof Config>(key: K, env: NodeJS.ProcessEnv = process.env): Config[K] {
  const name = ENV[key];
  const raw = env[name] || undefined;
  const result = configSchema.shape[key].safeParse(raw);
  if (result.success) return result.data as Config[K];
  if (raw === undefined) throw new Error(`Missing configuration: environment variable ${name} is not set`);
  const issue = result.error.issues[0];
  const where = (issue?.path ?? [])
    .map((at) => (typeof at === 'number' ? `[${at}]` : `.${String(at)}`))
    .join('');
  const problem = where ? ` at ${where}: ${issue?.message}` : ` ${issue?.message}`;
  throw new Error(`Invalid configuration: ${name}${problem}, got ${JSON.stringify(raw)}`);
}

/**
 * The configuration, read from the environment at the moment a setting is used, so a tool that needs
 * only the table (the admin command) does not have to set every bucket, and tests can change settings.
 */
export function config(): Config {
  return CONFIG;
}

// Typed by hand: defineProperties cannot type getters, and each one returns setting(key), a Config[key].
const CONFIG = Object.defineProperties(
  {},
  Object.fromEntries(
    (Object.keys(ENV) as (keyof Config)[]).map((key) => [key, { get: () => setting(key), enumerable: true }]),
  ),
) as Config;
