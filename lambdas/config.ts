/**
 * Every setting a handler reads, in one place. Handlers never know whether they run in AWS or in the
 * local stack: the CDK stack and `local/` both set these variables, and the AWS SDK reads its own
 * endpoint variables (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SFN).
 */
export interface ReplicaLocation {
  /** Name used in event texts, e.g. "replica-glacier". */
  name: string;
  bucket: string;
  /** S3 storage class the replica's objects are written with (STANDARD, DEEP_ARCHIVE, ...). */
  storageClass: string;
  /**
   * The bucket has versioning and Object Lock: every write must yield a version id, Register puts a
   * legal hold on it, and reads name it. False (the local S3 has neither): no version ids, no holds.
   */
  objectLock?: boolean;
}

export interface Config {
  tableName: string;
  uploadBucket: string;
  unpackBucket: string;
  primaryBucket: string;
  primaryStorageClass: string;
  /** See ReplicaLocation.objectLock. */
  primaryObjectLock: boolean;
  replicas: ReplicaLocation[];
  bundleBucket: string;
  ingestStateMachineArn: string;
  cartStateMachineArn: string;
  fixityStateMachineArn: string;
  /** A bag is re-checked when its last fixity check is older than this (default 90 days). */
  fixityIntervalSeconds: number;
  /** Scheduled fixity runs in flight at once, at most. */
  fixityMaxConcurrentRuns: number;
  /** Seconds between two sweeps of the fixity schedule (the sweep paces itself by it). */
  fixitySweepSeconds: number;
  deletionStateMachineArn: string;
  presignExpiresSeconds: number;
  cartTtlSeconds: number;
  maxUnpackedBytes: number;
  maxUnpackedFiles: number;
  /** Unpack writes a checkpoint after at most this many files (default 1,000). */
  unpackCheckpointFiles: number;
  /** Archives larger than this unpack on ECS Fargate instead of Lambda (default 20 GB). */
  fargateUnpackAboveBytes: number;
  /**
   * A chunk of a bag's file list (what one Task replicates, verifies or fixity-checks) holds at most
   * this many files and, unless a single file is bigger, this many bytes: one invocation's work.
   */
  chunkMaxFiles: number;
  chunkMaxBytes: number;
  /** Only the local stack sets this, so its tests can receive callbacks on 127.0.0.1. */
  allowLoopbackCallbacks: boolean;
  s3ForcePathStyle: boolean;
  /**
   * Where the secret that authenticates list cursors comes from: the secret itself (the local stack,
   * from its home) or the ARN of a Secrets Manager secret (AWS). One of the two is required by lists.
   */
  cursorSecret: string | undefined;
  cursorSecretArn: string | undefined;
  /**
   * Credentials for a DynamoDB-compatible service whose keys differ from S3's (the local stack pointed
   * at other engines, SPEC §2); unset in AWS, where the role's credentials serve every client.
   */
  dynamoDBAccessKeyId: string | undefined;
  dynamoDBSecretAccessKey: string | undefined;
  /**
   * The role S3 Batch Operations assumes to compute checksums of cold copies that have no recorded
   * full-object SHA-256 (fixity). Unset (the local S3 has no Batch Operations): such copies are
   * reported as not checkable without a restore.
   */
  batchOperationsRoleArn: string | undefined;
}

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

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Missing configuration: environment variable ${name} is not set`);
  return value;
}

function optional(name: string): string | undefined {
  return process.env[name] || undefined;
}

function integer(name: string, fallback: number): number {
  const raw = optional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`Invalid configuration: ${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

/**
 * The configuration, read from the environment at the moment a setting is used, so a tool that needs
 * only the table (the admin command) does not have to set every bucket, and tests can change settings.
 */
export function config(): Config {
  return CONFIG;
}

const CONFIG: Config = {
  get tableName() {
    return required(ENV.tableName);
  },
  get uploadBucket() {
    return required(ENV.uploadBucket);
  },
  get unpackBucket() {
    return required(ENV.unpackBucket);
  },
  get primaryBucket() {
    return required(ENV.primaryBucket);
  },
  get primaryStorageClass() {
    return optional(ENV.primaryStorageClass) ?? DEFAULTS.primaryStorageClass;
  },
  get primaryObjectLock() {
    return optional(ENV.primaryObjectLock) === 'true';
  },
  get replicas() {
    return JSON.parse(optional(ENV.replicas) ?? '[]') as ReplicaLocation[];
  },
  get bundleBucket() {
    return required(ENV.bundleBucket);
  },
  get ingestStateMachineArn() {
    return required(ENV.ingestStateMachineArn);
  },
  get cartStateMachineArn() {
    return required(ENV.cartStateMachineArn);
  },
  get fixityStateMachineArn() {
    return required(ENV.fixityStateMachineArn);
  },
  get fixityIntervalSeconds() {
    return integer(ENV.fixityIntervalSeconds, DEFAULTS.fixityIntervalSeconds);
  },
  get fixityMaxConcurrentRuns() {
    return integer(ENV.fixityMaxConcurrentRuns, DEFAULTS.fixityMaxConcurrentRuns);
  },
  get fixitySweepSeconds() {
    // Fractions allowed: tests sweep several times a second.
    const raw = optional(ENV.fixitySweepSeconds);
    if (raw === undefined) return DEFAULTS.fixitySweepSeconds;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(
        `Invalid configuration: ${ENV.fixitySweepSeconds} must be a positive number, got "${raw}"`,
      );
    return value;
  },
  get deletionStateMachineArn() {
    return required(ENV.deletionStateMachineArn);
  },
  get presignExpiresSeconds() {
    return integer(ENV.presignExpiresSeconds, DEFAULTS.presignExpiresSeconds);
  },
  get cartTtlSeconds() {
    return integer(ENV.cartTtlSeconds, DEFAULTS.cartTtlSeconds);
  },
  get maxUnpackedBytes() {
    return integer(ENV.maxUnpackedBytes, DEFAULTS.maxUnpackedBytes);
  },
  get maxUnpackedFiles() {
    return integer(ENV.maxUnpackedFiles, DEFAULTS.maxUnpackedFiles);
  },
  get unpackCheckpointFiles() {
    return integer(ENV.unpackCheckpointFiles, DEFAULTS.unpackCheckpointFiles);
  },
  get fargateUnpackAboveBytes() {
    return integer(ENV.fargateUnpackAboveBytes, DEFAULTS.fargateUnpackAboveBytes);
  },
  get chunkMaxFiles() {
    return integer(ENV.chunkMaxFiles, DEFAULTS.chunkMaxFiles);
  },
  get chunkMaxBytes() {
    return integer(ENV.chunkMaxBytes, DEFAULTS.chunkMaxBytes);
  },
  get allowLoopbackCallbacks() {
    return optional(ENV.allowLoopbackCallbacks) === 'true';
  },
  get s3ForcePathStyle() {
    return optional(ENV.s3ForcePathStyle) === 'true';
  },
  get cursorSecret() {
    return optional(ENV.cursorSecret);
  },
  get cursorSecretArn() {
    return optional(ENV.cursorSecretArn);
  },
  get dynamoDBAccessKeyId() {
    return optional(ENV.dynamoDBAccessKeyId);
  },
  get dynamoDBSecretAccessKey() {
    return optional(ENV.dynamoDBSecretAccessKey);
  },
  get batchOperationsRoleArn() {
    return optional(ENV.batchOperationsRoleArn);
  },
};
