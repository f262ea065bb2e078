/**
 * The S3 buckets: where uploads land, the unpack working area, the stored bags (primary and
 * replicas) and the cart bundles, plus one bucket receiving the server access logs of all of them.
 */
import { DefaultStackSynthesizer, Duration, Fn, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  type BucketProps,
  BucketEncryption,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StorageClassName } from './deployment-options.ts';

/**
 * Unpacked bags only live while their ingest runs (the workflow removes them when it ends); the
 * lifecycle rule is the safety net for workflows that died. A week leaves room for very large bags.
 */
export const UNPACK_EXPIRY_DAYS = 7;

/** The name a replica location has in ingest events ("Replicating to replica") and manifests. */
export const REPLICA_NAME = 'replica';

/** Every bucket: private, TLS only (1.2 or later), no ACLs. */
const SECURE_DEFAULTS = {
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
} satisfies BucketProps;

/**
 * Unheld superseded versions in the storage buckets (a retry's rewrite of a bad object left by a
 * failed attempt) expire after this; held versions (everything registered) are never touched.
 */
export const SUPERSEDED_VERSION_EXPIRY_DAYS = 30;

export interface StorageBucketsProps {
  replicaStorageClass: StorageClassName;
  uploadExpiryDays: number;
  cartTtlDays: number;
  /**
   * Roles that may remove legal holds, delete object versions and change the storage buckets'
   * protection (lifecycle, versioning, Object Lock, policy): the deletion workflow's role (issue 10
   * adds it). Empty until then: nobody may.
   */
  deletionRoleArns?: readonly string[];
  /**
   * Roles that may change the bucket policy besides the deletion role: the one CloudFormation
   * deploys with. Defaults to the CDK bootstrap's CloudFormation execution role.
   */
  deployingRoleArns?: readonly string[];
}

export interface ReplicaBucket {
  name: string;
  bucket: Bucket;
  storageClass: StorageClassName;
}

export class StorageBuckets extends Construct {
  /** Receives the server access logs of every other bucket. */
  readonly accessLogs: Bucket;
  /** Bags as users upload them (`.tar.gz`), read once by the unpacking step. */
  readonly uploads: Bucket;
  /** The unpacking step's working area: `{space}/{ingestId}/…`. */
  readonly unpack: Bucket;
  /** The primary location of stored bags, STANDARD storage class. */
  readonly primary: Bucket;
  readonly replicas: ReplicaBucket[];
  /** Tar bundles of carts, removed when the cart expires. */
  readonly bundles: Bucket;
  /** The storage buckets' deny statements that exempt only the deletion role. */
  private readonly deletionDenials: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: StorageBucketsProps) {
    super(scope, id);

    this.accessLogs = new Bucket(this, 'AccessLogsBucket', {
      ...SECURE_DEFAULTS,
      // Log delivery cannot write to SSE-KMS buckets with a customer key; S3-managed keys work.
      encryption: BucketEncryption.S3_MANAGED,
      // Access logs are the audit trail of the archive: keep them when the stack goes away.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.uploads = this.dataBucket('UploadsBucket', {
      lifecycleRules: [
        {
          id: 'ExpireUploads',
          expiration: Duration.days(props.uploadExpiryDays),
          // A client's multipart upload that was never completed would otherwise be billed forever.
          abortIncompleteMultipartUploadAfter: Duration.days(props.uploadExpiryDays),
        },
      ],
    });

    this.unpack = this.dataBucket('UnpackBucket', {
      lifecycleRules: [
        {
          id: 'ExpireUnpackedBags',
          expiration: Duration.days(UNPACK_EXPIRY_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    this.primary = this.storageBucket('PrimaryBucket', props);
    // One replica for now; the replicas env variable and the access table already handle a list.
    this.replicas = [
      {
        name: REPLICA_NAME,
        // The construct id does not depend on the storage class: changing the class must not
        // replace the bucket. Objects are written with the class by our code, so no transition.
        bucket: this.storageBucket('ReplicaBucket', props),
        storageClass: props.replicaStorageClass,
      },
    ];

    this.bundles = this.dataBucket('BundlesBucket', {
      lifecycleRules: [
        {
          id: 'ExpireCartBundles',
          // Matches the cart item's DynamoDB TTL, so an expired cart leaves nothing behind.
          expiration: Duration.days(props.cartTtlDays),
          // Bundles are written by streaming into a multipart upload; an aborted one is garbage.
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
  }

  /** Every bucket holding data (all but the access-log bucket). */
  dataBuckets(): Bucket[] {
    return [this.uploads, this.unpack, this.primary, ...this.replicas.map((r) => r.bucket), this.bundles];
  }

  /** Primary and replica buckets: where stored bags live. */
  storageBuckets(): Bucket[] {
    return [this.primary, ...this.replicas.map((r) => r.bucket)];
  }

  private dataBucket(id: string, props: BucketProps): Bucket {
    return new Bucket(this, id, {
      ...SECURE_DEFAULTS,
      encryption: BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: `${id}/`,
      // Retained even for working areas: CloudFormation cannot delete a non-empty bucket anyway,
      // and an operator should decide to throw away uploads, not `cdk destroy`.
      removalPolicy: RemovalPolicy.RETAIN,
      ...props,
    });
  }

  /**
   * Lets one role delete the objects and versions an ingest wrote before it was registered (the
   * failure cleanup, lambdas/handlers/ingest/record-failure.ts): it is exempt from the deny on
   * DeleteObject/DeleteObjectVersion. Registered versions stay safe from it because Register puts a
   * legal hold on each before registering it, S3 refuses to delete a held version whatever IAM
   * says, and only the deletion role may remove a hold. (No condition key can say "only unheld
   * versions" in a policy, so the exemption is per role, and the hold does the rest.)
   */
  allowUnregisteredCleanupBy(roleArn: string): void {
    if (!this.cleanupRoleArns.includes(roleArn)) this.cleanupRoleArns.push(roleArn);
  }

  private readonly cleanupRoleArns: string[] = [];

  /**
   * Primary and replicas: versioned with Object Lock (which S3 only allows at bucket creation), no
   * default retention. Every registered object gets a legal hold instead: it has no expiry (a bag is
   * kept until an approved deletion, not for N years), it is set per version at Register, so what a
   * failed ingest wrote stays deletable by its cleanup, and the deletion workflow can lift it, where
   * a COMPLIANCE retention could not be lifted by anyone and a default retention would lock the
   * failed ingests' leftovers too.
   */
  private storageBucket(id: string, props: StorageBucketsProps): Bucket {
    const bucket = this.dataBucket(id, {
      versioned: true,
      objectLockEnabled: true,
      lifecycleRules: [
        {
          id: 'ExpireSupersededUnheldVersions',
          // S3 lifecycle never removes a version under a legal hold.
          noncurrentVersionExpiration: Duration.days(SUPERSEDED_VERSION_EXPIRY_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    for (const statement of immutabilityStatements(bucket, {
      deletion: props.deletionRoleArns ?? [],
      cleanup: this.cleanupRoleArns,
      deploying: props.deployingRoleArns ?? [defaultDeployingRoleArn(this)],
    })) {
      bucket.addToResourcePolicy(statement);
    }
    return bucket;
  }
}

interface ExemptRoles {
  deletion: readonly string[];
  /** Filled in after construction (the functions are built later), hence read lazily. */
  cleanup: readonly string[];
  deploying: readonly string[];
}

/**
 * Deny to everyone but the exempt roles: `fixed` ones known now, and `late` ones registered after the
 * buckets exist (the functions are built later), read at synth. No exempt role: no condition at all.
 */
function denyExcept(
  bucket: Bucket,
  statement: { sid: string; actions: string[]; resources: string[] },
  fixed: readonly string[],
  late?: readonly string[],
  conditions: Record<string, Record<string, unknown>> = {},
): PolicyStatement {
  const exempt = () => [...fixed, ...(late ?? [])];
  if (late) {
    bucket.node.addValidation({
      validate: () =>
        exempt().length === 0 ? [`${statement.sid}: no role is exempt (an empty ArnNotEquals list)`] : [],
    });
  }
  const exemption =
    late !== undefined
      ? { ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: exempt }) } }
      : fixed.length > 0
        ? { ArnNotEquals: { 'aws:PrincipalArn': [...fixed] } }
        : {};
  return new PolicyStatement({
    ...statement,
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    conditions: { ...conditions, ...exemption },
  });
}

/**
 * SPEC §5.6: once registered, a stored object is changed or deleted by no principal but the deletion
 * workflow's role. The legal hold (put by Register) makes S3 itself refuse deleting or overwriting the
 * held version; these statements keep anyone from lifting that protection.
 */
export function immutabilityStatements(bucket: Bucket, exempt: ExemptRoles): PolicyStatement[] {
  const objects = [bucket.arnForObjects('*')];
  const onBucket = [bucket.bucketArn];
  return [
    denyExcept(
      bucket,
      { sid: 'LegalHoldsAreNeverRemoved', actions: ['s3:PutObjectLegalHold'], resources: objects },
      exempt.deletion,
      undefined,
      { StringEquals: { 's3:object-lock-legal-hold': 'OFF' } },
    ),
    // Nothing here uses retention periods; one set in COMPLIANCE mode could never be lifted, not
    // even for an approved deletion.
    denyExcept(
      bucket,
      {
        sid: 'RetentionIsNeverSet',
        actions: ['s3:PutObjectRetention', 's3:BypassGovernanceRetention'],
        resources: objects,
      },
      exempt.deletion,
    ),
    denyExcept(
      bucket,
      {
        sid: 'StoredObjectsAreNeverDeleted',
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: objects,
      },
      exempt.deletion,
      exempt.cleanup,
    ),
    denyExcept(
      bucket,
      {
        sid: 'StorageProtectionNeverChanges',
        actions: ['s3:PutBucketVersioning', 's3:PutBucketObjectLockConfiguration'],
        resources: onBucket,
      },
      exempt.deletion,
    ),
    // The lifecycle rules (superseded unheld versions, abandoned multipart uploads) are set by
    // CloudFormation, so a deployment may change them; nobody else may. A lifecycle rule never
    // removes a held version, and the deploying role could rewrite this policy anyway.
    denyExcept(
      bucket,
      {
        sid: 'LifecycleOnlyChangesByDeployment',
        actions: ['s3:PutLifecycleConfiguration'],
        resources: onBucket,
      },
      [...exempt.deletion, ...exempt.deploying],
    ),
    // CloudFormation writes this very policy, so the deploying role keeps that one right. Whoever
    // holds it can rewrite the policy: the deploying role is as trusted as the account's admins.
    denyExcept(
      bucket,
      {
        sid: 'BucketPolicyOnlyChangesByDeployment',
        actions: ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'],
        resources: onBucket,
      },
      [...exempt.deletion, ...exempt.deploying],
    ),
  ];
}

/** The role `cdk deploy` has CloudFormation use (the bootstrap's execution role). */
function defaultDeployingRoleArn(scope: Construct): string {
  const synthesizer = Stack.of(scope).synthesizer;
  // The ARN comes with ${AWS::AccountId}-style placeholders, which only Fn::Sub fills in.
  if (synthesizer instanceof DefaultStackSynthesizer)
    return Fn.sub(synthesizer.cloudFormationExecutionRoleArn);
  throw new Error(
    'StorageBuckets: with a synthesizer other than DefaultStackSynthesizer, pass deployingRoleArns (the role CloudFormation deploys with), or the bucket policy can never be updated',
  );
}
