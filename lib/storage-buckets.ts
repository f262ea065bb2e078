/**
 * The S3 buckets: where uploads land, the unpack working area, the stored bags (primary and
 * replicas) and the cart bundles, plus one bucket receiving the server access logs of all of them.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
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

export interface StorageBucketsProps {
  replicaStorageClass: StorageClassName;
  uploadExpiryDays: number;
  cartTtlDays: number;
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

    this.primary = this.storageBucket('PrimaryBucket');
    // One replica for now; the replicas env variable and the access table already handle a list.
    this.replicas = [
      {
        name: REPLICA_NAME,
        // The construct id does not depend on the storage class: changing the class must not
        // replace the bucket. Objects are written with the class by our code, so no transition.
        bucket: this.storageBucket('ReplicaBucket'),
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

  /** Exempts the deletion workflow's role (approved deletion requests, SPEC §5.6) from the denials. */
  allowDeletionBy(role: IRole): void {
    for (const statement of this.deletionDenials) {
      statement.addCondition('ArnNotEquals', { 'aws:PrincipalArn': role.roleArn });
    }
  }

  private storageBucket(id: string): Bucket {
    const bucket = this.dataBucket(id, { versioned: true });
    // Preservation: a stored object is never deleted, by anyone, whatever their IAM policies say,
    // but the deletion workflow's role (allowDeletionBy).
    const denial = new PolicyStatement({
      sid: 'StoredObjectsAreNeverDeleted',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      resources: [bucket.arnForObjects('*')],
    });
    this.deletionDenials.push(denial);
    bucket.addToResourcePolicy(denial);
    return bucket;
  }
}
