import type { CfnElement } from 'aws-cdk-lib';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.ts';
import { DEFAULT_DEPLOYMENT_OPTIONS } from '../../lib/deployment-options.ts';
import { UNPACK_EXPIRY_DAYS } from '../../lib/storage-buckets.ts';
import { synthStack } from './synth-stack.ts';
import {
  asArray,
  type CfnResource,
  type PolicyStatement,
  render,
  resourcesOfType,
} from './template-helpers.ts';

const { stack, template } = synthStack();
const buckets = resourcesOfType(template, 'AWS::S3::Bucket');
const bucketPolicies = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy'));
const idOf = (bucket: Bucket) => stack.getLogicalId(bucket.node.defaultChild as CfnElement);

function policyStatementsOf(bucketId: string): PolicyStatement[] {
  const policy = bucketPolicies.find((candidate) => render(candidate.Properties.Bucket) === `<${bucketId}>`);
  return (policy?.Properties.PolicyDocument as { Statement: PolicyStatement[] } | undefined)?.Statement ?? [];
}

function lifecycleRules(bucket: CfnResource): Record<string, unknown>[] {
  return (bucket.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
}

describe('every bucket', () => {
  it.each(Object.keys(buckets))('%s is encrypted, private and TLS-only', (id) => {
    expect(buckets[id].Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: expect.stringMatching(/^(AES256|aws:kms)$/) } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const denyInsecure = policyStatementsOf(id).find(
      (statement) =>
        statement.Effect === 'Deny' &&
        JSON.stringify(statement).includes('"aws:SecureTransport":"false"') &&
        asArray(statement.Action).includes('s3:*'),
    );
    expect(denyInsecure, 'a Deny of s3:* without TLS').toBeDefined();
    expect(buckets[id].DeletionPolicy).toBe('Retain');
  });

  it('that holds data logs its access to the access-log bucket', () => {
    const logs = idOf(stack.buckets.accessLogs);
    for (const bucket of stack.buckets.dataBuckets()) {
      expect(buckets[idOf(bucket)].Properties.LoggingConfiguration).toMatchObject({
        DestinationBucketName: { Ref: logs },
      });
    }
  });
});

describe('stored bags (primary and replicas)', () => {
  const storage = stack.buckets.storageBuckets().map(idOf);

  it('are versioned', () => {
    expect(storage).toHaveLength(2);
    for (const id of storage) {
      expect(buckets[id].Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    }
  });

  it('deny deleting objects and object versions to every principal', () => {
    for (const id of storage) {
      const deny = policyStatementsOf(id).find(
        (statement) => statement.Effect === 'Deny' && asArray(statement.Action).includes('s3:DeleteObject'),
      );
      expect(deny).toMatchObject({
        Principal: { AWS: '*' },
        Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      });
      expect(render(deny!.Resource)).toBe(`<${id}.Arn>/*`);
    }
  });

  it('have no lifecycle rule: nothing stored expires or changes class behind our back', () => {
    for (const id of storage) expect(buckets[id].Properties.LifecycleConfiguration).toBeUndefined();
  });

  it('only the storage buckets deny deletes (working areas are cleaned by the workflows)', () => {
    for (const bucket of [stack.buckets.uploads, stack.buckets.unpack, stack.buckets.bundles]) {
      const statements = policyStatementsOf(idOf(bucket));
      expect(statements.some((s) => asArray(s.Action).includes('s3:DeleteObject'))).toBe(false);
    }
  });
});

describe('lifecycle rules', () => {
  it('expire uploads after uploadExpiryDays and abort their unfinished multipart uploads', () => {
    expect(lifecycleRules(buckets[idOf(stack.buckets.uploads)])).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        ExpirationInDays: DEFAULT_DEPLOYMENT_OPTIONS.uploadExpiryDays,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: DEFAULT_DEPLOYMENT_OPTIONS.uploadExpiryDays },
      }),
    ]);
  });

  it('expire the unpack working area after a few days', () => {
    expect(lifecycleRules(buckets[idOf(stack.buckets.unpack)])).toEqual([
      expect.objectContaining({ Status: 'Enabled', ExpirationInDays: UNPACK_EXPIRY_DAYS }),
    ]);
  });

  it('expire bundles after the cart lifetime (cartTtlDays, default 7)', () => {
    expect(lifecycleRules(buckets[idOf(stack.buckets.bundles)])).toEqual([
      expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 7 }),
    ]);
    const custom = synthStack({ cartTtlDays: '3', uploadExpiryDays: 2 });
    const bundles = resourcesOfType(custom.template, 'AWS::S3::Bucket')[
      custom.stack.getLogicalId(custom.stack.buckets.bundles.node.defaultChild as CfnElement)
    ];
    expect(lifecycleRules(bundles)).toEqual([expect.objectContaining({ ExpirationInDays: 3 })]);
    const [fn] = Object.values(resourcesOfType(custom.template, 'AWS::Lambda::Function'));
    expect(fn.Properties.Environment).toMatchObject({
      Variables: { [ENV.cartTtlSeconds]: String(3 * 86_400) },
    });
  });
});

describe('the replica storage class', () => {
  function replicasEnv(context: Record<string, unknown>) {
    const synthesized = synthStack(context);
    const replicaId = synthesized.stack.getLogicalId(
      synthesized.stack.buckets.replicas[0].bucket.node.defaultChild as CfnElement,
    );
    const functions = Object.values(resourcesOfType(synthesized.template, 'AWS::Lambda::Function'));
    const values = new Set(
      functions.map((fn) =>
        render((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ENV.replicas]),
      ),
    );
    expect(values.size).toBe(1);
    return { replicaId, replicas: JSON.parse([...values][0]) as unknown };
  }

  it('defaults to DEEP_ARCHIVE and reaches every function in the replicas JSON', () => {
    const { replicaId, replicas } = replicasEnv({});
    expect(replicas).toEqual([{ name: 'replica', bucket: `<${replicaId}>`, storageClass: 'DEEP_ARCHIVE' }]);
  });

  it('comes from the replicaStorageClass context option', () => {
    const { replicas } = replicasEnv({ replicaStorageClass: 'GLACIER' });
    expect(replicas).toEqual([expect.objectContaining({ storageClass: 'GLACIER' })]);
  });
});
