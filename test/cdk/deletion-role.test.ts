/** SPEC §5.6: only the deletion workflow's role deletes stored objects or lifts their legal holds. */
import { describe, expect, it } from 'vitest';
import { DELETING_MODULE } from '../../lib/deletion-role.ts';
import {
  asArray,
  type PolicyStatement,
  referencedIds,
  render,
  resourcesOfType,
  roleOfFunction,
  statementsOfRole,
  synthForAssertions,
} from './template-helpers.ts';

const { stack, template, functions, idOf } = synthForAssertions();
const storageIds = new Set(stack.buckets.storageBuckets().map(idOf));
const deletionRoleId = idOf(stack.deletionRole.role);

/**
 * Besides the deletion role, only these may hold the action at all: the ingest failure handler may
 * remove what a failed ingest wrote before Register (unregistered, unheld objects), and Register
 * places legal holds (the bucket policy denies lifting them to everyone but the deletion role).
 */
const ALLOWED: Record<'delete' | 'legalHold', ReadonlySet<string>> = {
  delete: new Set(['handlers/ingest/record-failure']),
  // Register holds what it registers; fixity repair holds the copy it rewrote (only ever ON).
  legalHold: new Set([
    'handlers/ingest/register',
    'handlers/fixity/check-chunk',
    'handlers/fixity/collect-checksums',
  ]),
};

function matches(action: string, kind: 'delete' | 'legalHold'): boolean {
  if (action === '*' || action === 's3:*') return true;
  if (kind === 'delete') return action.startsWith('s3:DeleteObject') || action === 's3:Delete*';
  return action === 's3:PutObjectLegalHold' || action === 's3:PutObject*' || action === 's3:Put*';
}

function storageActions(statements: PolicyStatement[], kind: 'delete' | 'legalHold'): string[] {
  return statements
    .filter((statement) => statement.Effect === 'Allow')
    .filter((statement) => [...referencedIds(statement.Resource)].some((id) => storageIds.has(id)))
    .flatMap((statement) => asArray(statement.Action))
    .filter((action) => matches(action, kind));
}

describe('the deletion role', () => {
  it.each(['delete', 'legalHold'] as const)(
    'is the only function role that can %s stored objects',
    (kind) => {
      for (const [module, functionId] of functions) {
        const roleId = roleOfFunction(template, functionId);
        if (roleId === deletionRoleId || ALLOWED[kind].has(module)) continue;
        expect(storageActions(statementsOfRole(template, roleId), kind), module).toEqual([]);
      }
    },
  );

  it('is the role of the deleting task, which may delete versions and lift holds on primary and replica', () => {
    const fn = functions.get(DELETING_MODULE);
    expect(fn).toBeDefined();
    expect(roleOfFunction(template, fn as string)).toBe(deletionRoleId);
    const statements = statementsOfRole(template, deletionRoleId);
    for (const bucketId of storageIds) {
      const onBucket = statements.filter((statement) => referencedIds(statement.Resource).has(bucketId));
      const actions = onBucket.flatMap((statement) => asArray(statement.Action));
      expect(actions).toEqual(expect.arrayContaining(['s3:PutObjectLegalHold', 's3:DeleteObjectVersion']));
    }
  });

  it('is no other function role', () => {
    const holders = [...functions].filter(([, id]) => roleOfFunction(template, id) === deletionRoleId);
    expect(holders.map(([module]) => module)).toEqual([DELETING_MODULE]);
  });

  it('is, beside the ingest failure cleanup, the one principal the storage buckets exempt from their delete denial', () => {
    const policies = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy')).filter((policy) =>
      [...referencedIds(policy.Properties.Bucket)].some((id) => storageIds.has(id)),
    );
    expect(policies).toHaveLength(storageIds.size);
    for (const policy of policies) {
      const statements = (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
      const deny = statements.find(
        (statement) =>
          statement.Effect === 'Deny' && asArray(statement.Action).includes('s3:DeleteObjectVersion'),
      ) as PolicyStatement & { Condition?: unknown };
      const cleanupRoleId = roleOfFunction(
        template,
        functions.get('handlers/ingest/record-failure') as string,
      );
      expect(render(deny.Condition)).toBe(
        render({
          ArnNotEquals: {
            'aws:PrincipalArn': [
              { 'Fn::GetAtt': [deletionRoleId, 'Arn'] },
              { 'Fn::GetAtt': [cleanupRoleId, 'Arn'] },
            ],
          },
        }),
      );
    }
  });
});
