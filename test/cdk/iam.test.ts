import { describe, expect, it } from 'vitest';
import { type BucketAccess, type BucketName, HANDLER_ACCESS } from '../../lib/handler-access.ts';
import { allHandlerModules } from '../../lib/handler-modules.ts';
import { ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS } from '../../lib/nag-suppressions.ts';
import {
  allPolicyStatements,
  asArray,
  type PolicyStatement,
  referencedIds,
  roleOfFunction,
  statementsOfRole,
  synthForAssertions,
} from './template-helpers.ts';

const { stack, template, functions, idOf } = synthForAssertions();

const bucketIds: Record<BucketName, string[]> = {
  uploads: [idOf(stack.buckets.uploads)],
  unpack: [idOf(stack.buckets.unpack)],
  primary: [idOf(stack.buckets.primary)],
  replicas: stack.buckets.replicas.map((replica) => idOf(replica.bucket)),
  bundles: [idOf(stack.buckets.bundles)],
};
const dataBucketIds = new Set(stack.buckets.dataBuckets().map(idOf));
const tableId = idOf(stack.stateTable.table);
const cursorSecretId = idOf(stack.cursorSecret.secret);
const checksumRoleId = idOf(stack.checksumBatchRole.role);
const stateMachineIds = Object.fromEntries(
  Object.entries(stack.workflows.stateMachines).map(([name, machine]) => [name, idOf(machine)]),
);

/** The S3 actions a kind of access must produce; none appears unless a kind granting it is declared. */
const ACCESS_ACTIONS: Record<BucketAccess, string[]> = {
  read: ['s3:GetObject*'],
  put: ['s3:PutObject'],
  'list-parts': ['s3:ListMultipartUploadParts'],
  delete: ['s3:DeleteObject*'],
  restore: ['s3:RestoreObject'],
  'legal-hold': ['s3:PutObjectLegalHold'],
  'delete-unregistered': ['s3:DeleteObjectVersion'],
  releaseHold: ['s3:PutObjectLegalHold', 's3:DeleteObjectVersion'],
  'abort-uploads': ['s3:ListBucketMultipartUploads'],
};
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

function actionsOn(statements: PolicyStatement[], resourceId: string): Set<string> {
  return new Set(
    statements
      .filter(
        (statement) => statement.Effect === 'Allow' && referencedIds(statement.Resource).has(resourceId),
      )
      .flatMap((statement) => asArray(statement.Action)),
  );
}

describe('IAM', () => {
  it('declares access for exactly the handler modules the stack builds', () => {
    expect(Object.keys(HANDLER_ACCESS).sort()).toEqual([...allHandlerModules()].sort());
  });

  it('never allows a service-wide or global wildcard action', () => {
    for (const statement of allPolicyStatements(template)) {
      for (const action of asArray(statement.Action)) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/:\*$/);
      }
    }
  });

  it('never allows s3:* (or *) on a data bucket', () => {
    for (const statement of allPolicyStatements(template)) {
      const onDataBucket = [...referencedIds(statement.Resource)].some((id) => dataBucketIds.has(id));
      if (!onDataBucket) continue;
      expect(asArray(statement.Action)).not.toContain('s3:*');
      expect(asArray(statement.Action)).not.toContain('*');
    }
  });

  it('uses Resource * only for actions without resource-level permissions (X-Ray, log delivery)', () => {
    for (const statement of allPolicyStatements(template)) {
      if (!asArray(statement.Resource).includes('*')) continue;
      for (const action of asArray(statement.Action)) {
        expect(ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS.has(action), action).toBe(true);
      }
    }
  });

  describe.each(Object.entries(HANDLER_ACCESS))('lambdas/%s.ts', (module, needs) => {
    const statements = () => statementsOfRole(template, roleOfFunction(template, functions.get(module)!));

    it('touches exactly the buckets, table and state machines of its entry in the access table', () => {
      const referenced = new Set(
        statements()
          .filter((statement) => statement.Effect === 'Allow')
          .flatMap((statement) => [...referencedIds(statement.Resource)])
          .filter((id) => !id.startsWith('AWS::')),
      );
      const declared = new Set<string>();
      for (const need of needs) {
        if ('table' in need) declared.add(tableId);
        else if ('bucket' in need) bucketIds[need.bucket].forEach((id) => declared.add(id));
        else if ('secret' in need) declared.add(cursorSecretId);
        else if ('checksumJobs' in need) {
          // Creating a job passes the checksum role (iam:PassRole on it).
          if (need.checksumJobs === 'create') declared.add(checksumRoleId);
        } else declared.add(stateMachineIds[need.stateMachine]);
      }
      // Execution ARNs are built from the state machine's ARN, so they reference it too.
      expect([...referenced].sort()).toEqual([...declared].sort());
    });

    it('has the declared kind of access on each bucket, and no other', () => {
      for (const [bucket, ids] of Object.entries(bucketIds) as [BucketName, string[]][]) {
        const access = new Set(
          needs.flatMap((need) => ('bucket' in need && need.bucket === bucket ? need.access : [])),
        );
        for (const id of ids) {
          const actions = actionsOn(statements(), id);
          // Two kinds may share an action (holds are put by one and lifted by another).
          for (const action of new Set(Object.values(ACCESS_ACTIONS).flat())) {
            const granting = (Object.keys(ACCESS_ACTIONS) as BucketAccess[]).filter((kind) =>
              ACCESS_ACTIONS[kind].includes(action),
            );
            expect(actions.has(action), `${action} on ${bucket}`).toBe(
              granting.some((kind) => access.has(kind)),
            );
          }
        }
      }
    });

    it('reads or writes the table as declared', () => {
      const tableNeed = needs.find((need) => 'table' in need);
      const actions = actionsOn(statements(), tableId);
      if (!tableNeed) expect(actions.size).toBe(0);
      else {
        expect(actions.has('dynamodb:GetItem')).toBe(true);
        expect(actions.has('dynamodb:Query')).toBe(true);
        for (const action of TABLE_WRITE_ACTIONS) {
          expect(actions.has(action), action).toBe(tableNeed.table === 'readWrite');
        }
      }
    });

    it('may start or stop workflow executions only as declared', () => {
      const allowed = statements()
        .filter((statement) => statement.Effect === 'Allow')
        .flatMap((statement) => asArray(statement.Action))
        .filter((action) => action.startsWith('states:'));
      const declared = needs.flatMap((need) => ('stateMachine' in need ? need.actions : []));
      expect([...new Set(allowed)].sort()).toEqual([...new Set(declared)].sort());
    });
  });

  it('lets only the list handlers read the cursor secret, and only read it', () => {
    const readers = [...functions.keys()].filter((module) =>
      statementsOfRole(template, roleOfFunction(template, functions.get(module)!)).some(
        (statement) => statement.Effect === 'Allow' && referencedIds(statement.Resource).has(cursorSecretId),
      ),
    );
    expect(readers.sort()).toEqual(
      [
        'handlers/api/get-bag',
        'handlers/api/list-bags',
        'handlers/api/list-ingests',
        'handlers/api/list-spaces',
      ].sort(),
    );
    for (const module of readers) {
      const actions = actionsOn(
        statementsOfRole(template, roleOfFunction(template, functions.get(module)!)),
        cursorSecretId,
      );
      expect([...actions].sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    }
  });

  describe('immutable storage (SPEC §5.6)', () => {
    const storageIds = new Set([...bucketIds.primary, ...bucketIds.replicas]);
    const ingestModules = Object.keys(HANDLER_ACCESS).filter((module) =>
      module.startsWith('handlers/ingest/'),
    );
    const allowedOnStorage = (module: string) =>
      statementsOfRole(template, roleOfFunction(template, functions.get(module)!)).filter(
        (statement) =>
          statement.Effect === 'Allow' &&
          [...referencedIds(statement.Resource)].some((id) => storageIds.has(id)),
      );

    it.each(ingestModules)('%s can set no retention and put objects only without lock options', (module) => {
      for (const statement of allowedOnStorage(module)) {
        for (const action of asArray(statement.Action)) {
          expect(action).not.toMatch(/^s3:(PutObject\*|PutObjectRetention|BypassGovernanceRetention|\*)$/);
        }
      }
    });

    it.each(ingestModules)('%s can only put legal holds ON, never remove one', (module) => {
      for (const statement of allowedOnStorage(module)) {
        if (!asArray(statement.Action).includes('s3:PutObjectLegalHold')) continue;
        expect(asArray(statement.Action)).toEqual(['s3:PutObjectLegalHold']);
        expect((statement as { Condition?: unknown }).Condition).toEqual({
          StringEquals: { 's3:object-lock-legal-hold': 'ON' },
        });
      }
    });

    it('only Register and fixity repair put holds (the deletion workflow lifts them), in primary and every replica', () => {
      const holders = Object.keys(HANDLER_ACCESS).filter((module) =>
        allowedOnStorage(module).some((statement) =>
          asArray(statement.Action).includes('s3:PutObjectLegalHold'),
        ),
      );
      expect(holders.sort()).toEqual([
        'handlers/deletion/delete-objects',
        'handlers/fixity/check-chunk',
        // Repairs a copy the Batch Operations checksum found changed, like check-chunk.
        'handlers/fixity/collect-checksums',
        'handlers/ingest/register',
      ]);
      const held = allowedOnStorage('handlers/ingest/register')
        .filter((statement) => asArray(statement.Action).includes('s3:PutObjectLegalHold'))
        .flatMap((statement) => [...referencedIds(statement.Resource)]);
      expect(new Set(held)).toEqual(storageIds);
    });

    it('lets the failure cleanup list and abort unfinished multipart uploads in the unpack bucket, primary and every replica', () => {
      const cleanup = statementsOfRole(
        template,
        roleOfFunction(template, functions.get('handlers/ingest/record-failure')!),
      );
      for (const id of [...bucketIds.unpack, ...storageIds]) {
        const actions = actionsOn(cleanup, id);
        expect(actions.has('s3:ListBucketMultipartUploads'), id).toBe(true);
        expect(actions.has('s3:AbortMultipartUpload'), id).toBe(true);
      }
    });

    it('no role but the failure cleanup and the deletion workflow can delete an object or a version in primary or replicas', () => {
      const deleters = Object.keys(HANDLER_ACCESS).filter((module) =>
        allowedOnStorage(module).some((statement) =>
          asArray(statement.Action).some((action) => action.startsWith('s3:DeleteObject')),
        ),
      );
      expect(deleters.sort()).toEqual(['handlers/deletion/delete-objects', 'handlers/ingest/record-failure']);
    });
  });

  it('stops executions on execution ARNs and starts them on the state machine', () => {
    const ingestAction = statementsOfRole(
      template,
      roleOfFunction(template, functions.get('handlers/api/ingest-action')!),
    );
    const stop = ingestAction.find((statement) => asArray(statement.Action).includes('states:StopExecution'));
    expect(JSON.stringify(stop!.Resource)).toMatch(/:execution:.*:\*/);
    const createIngest = statementsOfRole(
      template,
      roleOfFunction(template, functions.get('handlers/api/create-ingest')!),
    );
    const start = createIngest.find((statement) =>
      asArray(statement.Action).includes('states:StartExecution'),
    );
    expect(start!.Resource).toEqual({ Ref: stateMachineIds.ingest });
  });
});
