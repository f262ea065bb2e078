import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.ts';
import { DEFAULT_DEPLOYMENT_OPTIONS } from '../../lib/deployment-options.ts';
import {
  StorageBuckets,
  SUPERSEDED_VERSION_EXPIRY_DAYS,
  UNPACK_EXPIRY_DAYS,
} from '../../lib/storage-buckets.ts';
import { cdkJson, synthStack } from './synth-stack.ts';
import {
  asArray,
  type CfnResource,
  functionsByModule,
  roleOfFunction,
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
  const cleanupRole = roleOfFunction(
    template,
    functionsByModule(template).get('handlers/ingest/record-failure')!,
  );
  const statement = (id: string, sid: string) => {
    const found = policyStatementsOf(id).find((candidate) => (candidate as { Sid?: string }).Sid === sid);
    expect(found, sid).toBeDefined();
    expect(found).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' } });
    return found as PolicyStatement & { Condition?: Record<string, Record<string, unknown>> };
  };
  // The stack's deletion workflow role (issue 10) is exempt from every denial.
  const deletionRole = `<${stack.getLogicalId(stack.deletionRole.role.node.defaultChild as CfnElement)}.Arn>`;
  const exemptions = (found: { Condition?: Record<string, Record<string, unknown>> }) =>
    asArray(found.Condition?.ArnNotEquals?.['aws:PrincipalArn']).map(render);

  it('are versioned with Object Lock, and no default retention (legal holds do the job)', () => {
    expect(storage).toHaveLength(2);
    for (const id of storage) {
      expect(buckets[id].Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(buckets[id].Properties.ObjectLockEnabled).toBe(true);
      expect(buckets[id].Properties.ObjectLockConfiguration).toBeUndefined();
    }
  });

  it('deny removing a legal hold to every principal but the deletion role', () => {
    for (const id of storage) {
      const deny = statement(id, 'LegalHoldsAreNeverRemoved');
      expect(deny.Action).toBe('s3:PutObjectLegalHold');
      expect(deny.Condition?.StringEquals).toEqual({ 's3:object-lock-legal-hold': 'OFF' });
      expect(exemptions(deny)).toEqual([deletionRole]);
      expect(render(deny.Resource)).toBe(`<${id}.Arn>/*`);
    }
  });

  it('deny setting retention periods (or bypassing them) to every principal but the deletion role', () => {
    for (const id of storage) {
      const deny = statement(id, 'RetentionIsNeverSet');
      expect(asArray(deny.Action).sort()).toEqual(['s3:BypassGovernanceRetention', 's3:PutObjectRetention']);
      expect(exemptions(deny)).toEqual([deletionRole]);
    }
  });

  it('deny deleting objects and object versions to all but the deletion and failure cleanup roles', () => {
    for (const id of storage) {
      const deny = statement(id, 'StoredObjectsAreNeverDeleted');
      expect(deny.Action).toEqual(['s3:DeleteObject', 's3:DeleteObjectVersion']);
      expect(render(deny.Resource)).toBe(`<${id}.Arn>/*`);
      expect(exemptions(deny)).toEqual([deletionRole, `<${cleanupRole}.Arn>`]);
    }
  });

  it('deny changing versioning or Object Lock configuration to all but the deletion role', () => {
    for (const id of storage) {
      const deny = statement(id, 'StorageProtectionNeverChanges');
      expect(asArray(deny.Action).sort()).toEqual([
        's3:PutBucketObjectLockConfiguration',
        's3:PutBucketVersioning',
      ]);
      expect(render(deny.Resource)).toBe(`<${id}.Arn>`);
      expect(exemptions(deny)).toEqual([deletionRole]);
    }
  });

  it('deny changing the lifecycle rules to all but the deletion role and the deployment (which sets them)', () => {
    for (const id of storage) {
      const deny = statement(id, 'LifecycleOnlyChangesByDeployment');
      expect(asArray(deny.Action)).toEqual(['s3:PutLifecycleConfiguration']);
      expect(render(deny.Resource)).toBe(`<${id}.Arn>`);
      expect(exemptions(deny)).toContain(deletionRole);
      expect(asArray(deny.Condition?.ArnNotEquals?.['aws:PrincipalArn']).slice(1)).toEqual([
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}',
        },
      ]);
    }
  });

  it('deny changing or deleting the bucket policy to all but the deletion and deploying roles', () => {
    for (const id of storage) {
      const deny = statement(id, 'BucketPolicyOnlyChangesByDeployment');
      expect(asArray(deny.Action).sort()).toEqual(['s3:DeleteBucketPolicy', 's3:PutBucketPolicy']);
      expect(exemptions(deny)).toContain(deletionRole);
      expect(asArray(deny.Condition?.ArnNotEquals?.['aws:PrincipalArn']).slice(1)).toEqual([
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}',
        },
      ]);
    }
  });

  it('exempt the deletion roles given to the construct from every one of those denials', () => {
    const app = new App({ context: cdkJson.context });
    const own = new Stack(app, 'Own');
    const deletionRole = 'arn:aws:iam::111111111111:role/bagvault-deletion';
    const storageBuckets = new StorageBuckets(own, 'Storage', {
      replicaStorageClass: 'DEEP_ARCHIVE',
      uploadExpiryDays: 7,
      cartTtlDays: 7,
      deletionRoleArns: [deletionRole],
      deployingRoleArns: ['arn:aws:iam::111111111111:role/deployer'],
    });
    storageBuckets.allowUnregisteredCleanupBy('arn:aws:iam::111111111111:role/cleanup');
    const ownTemplate = Template.fromStack(own);
    const policies = Object.values(resourcesOfType(ownTemplate, 'AWS::S3::BucketPolicy'));
    const primaryId = own.getLogicalId(storageBuckets.primary.node.defaultChild as CfnElement);
    const policy = policies.find((candidate) => render(candidate.Properties.Bucket) === `<${primaryId}>`)!;
    const denials = (
      policy.Properties.PolicyDocument as {
        Statement: (PolicyStatement & {
          Sid?: string;
          Condition?: Record<string, Record<string, unknown>>;
        })[];
      }
    ).Statement.filter((candidate) => candidate.Sid !== undefined);
    expect(denials).toHaveLength(6);
    for (const deny of denials) expect(exemptions(deny), deny.Sid).toContain(deletionRole);
    expect(exemptions(denials.find((d) => d.Sid === 'StoredObjectsAreNeverDeleted')!)).toEqual([
      deletionRole,
      'arn:aws:iam::111111111111:role/cleanup',
    ]);
    expect(exemptions(denials.find((d) => d.Sid === 'BucketPolicyOnlyChangesByDeployment')!)).toEqual([
      deletionRole,
      'arn:aws:iam::111111111111:role/deployer',
    ]);
    // CloudFormation sets the lifecycle rules at deploy (an update adding a rule must not be denied).
    expect(exemptions(denials.find((d) => d.Sid === 'LifecycleOnlyChangesByDeployment')!)).toEqual([
      deletionRole,
      'arn:aws:iam::111111111111:role/deployer',
    ]);
    expect(exemptions(denials.find((d) => d.Sid === 'StorageProtectionNeverChanges')!)).toEqual([
      deletionRole,
    ]);
  });

  it('only expire superseded versions (S3 lifecycle never removes a held one), never current objects', () => {
    for (const id of storage) {
      expect(lifecycleRules(buckets[id])).toEqual([
        {
          Id: 'ExpireSupersededUnheldVersions',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: SUPERSEDED_VERSION_EXPIRY_DAYS },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ]);
    }
  });

  it('tell every function that primary and replicas have Object Lock', () => {
    for (const fn of Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables[ENV.primaryObjectLock]).toBe('true');
      expect(JSON.parse(render(variables[ENV.replicas]))).toEqual([
        expect.objectContaining({ objectLock: true }),
      ]);
    }
  });

  it('only the storage buckets deny deletes (working areas are cleaned by the workflows)', () => {
    for (const bucket of [stack.buckets.uploads, stack.buckets.unpack, stack.buckets.bundles]) {
      const statements = policyStatementsOf(idOf(bucket));
      expect(statements.some((s) => asArray(s.Action).includes('s3:DeleteObject'))).toBe(false);
      expect(buckets[idOf(bucket)].Properties.ObjectLockEnabled).toBeUndefined();
    }
  });
});

describe('lifecycle rules', () => {
  it('abort unfinished multipart uploads in every bucket that receives them, within the upload expiry at most', () => {
    // Uploads (clients), unpack (work area, big unpacked entries), primary and replicas (copies over
    // 5 GiB, left behind by a copy that never resumed), bundles (carts streamed into parts).
    const receivers = [
      stack.buckets.uploads,
      stack.buckets.unpack,
      ...stack.buckets.storageBuckets(),
      stack.buckets.bundles,
    ];
    expect(new Set(receivers)).toEqual(new Set(stack.buckets.dataBuckets()));
    for (const bucket of receivers) {
      const aborts = lifecycleRules(buckets[idOf(bucket)]).filter(
        (rule) => rule.Status === 'Enabled' && rule.AbortIncompleteMultipartUpload !== undefined,
      );
      expect(aborts, idOf(bucket)).toHaveLength(1);
      const days = (aborts[0]?.AbortIncompleteMultipartUpload as { DaysAfterInitiation: number })
        .DaysAfterInitiation;
      expect(days).toBeGreaterThan(0);
      expect(days).toBeLessThanOrEqual(DEFAULT_DEPLOYMENT_OPTIONS.uploadExpiryDays);
      // A rule with a prefix or tag filter would leave uploads elsewhere in the bucket.
      expect(aborts[0]?.Prefix ?? aborts[0]?.Filter).toBeUndefined();
    }
  });

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
    expect(replicas).toEqual([
      { name: 'replica', bucket: `<${replicaId}>`, storageClass: 'DEEP_ARCHIVE', objectLock: true },
    ]);
  });

  it('comes from the replicaStorageClass context option', () => {
    const { replicas } = replicasEnv({ replicaStorageClass: 'GLACIER' });
    expect(replicas).toEqual([expect.objectContaining({ storageClass: 'GLACIER' })]);
  });
});
