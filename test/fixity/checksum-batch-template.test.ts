/**
 * Issue 9: the S3 Batch Operations "Compute checksum" path in the deployment: a role only S3 Batch
 * Operations can assume, reading stored objects and writing nothing but its report; one function
 * that may create checksum jobs and pass exactly that role; the fixity workflow waiting for the job.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.ts';
import { stateMachines } from '../../lambdas/workflows/tasks.ts';
import { STATE_MACHINES_DIR, taskHandlerModule } from '../../lib/handler-modules.ts';
import {
  allPolicyStatements,
  asArray,
  type PolicyStatement,
  referencedIds,
  render,
  resourcesOfType,
  roleOfFunction,
  statementsOfRole,
  synthForAssertions,
} from '../cdk/template-helpers.ts';

const { stack, template, functions, idOf } = synthForAssertions();
const roleId = idOf(stack.checksumBatchRole.role);
const role = resourcesOfType(template, 'AWS::IAM::Role')[roleId];
const roleStatements = statementsOfRole(template, roleId);
const storageIds = stack.buckets.storageBuckets().map(idOf);
const unpackId = idOf(stack.buckets.unpack);

type Statement = PolicyStatement & { Condition?: unknown };
const allowing = (statements: Statement[], action: string): Statement[] =>
  statements.filter(
    (statement) => statement.Effect === 'Allow' && asArray(statement.Action).includes(action),
  );

describe('the Batch Operations checksum role', () => {
  it('can be assumed by S3 Batch Operations only', () => {
    const trust = role?.Properties.AssumeRolePolicyDocument as { Statement: PolicyStatement[] };
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'batchoperations.s3.amazonaws.com' },
      }),
    ]);
  });

  it('reads stored objects and the work area, writes only into the fixity work area, nothing else', () => {
    const actions = new Set(roleStatements.flatMap((statement) => asArray(statement.Action)));
    expect([...actions].sort()).toEqual(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']);
    const reads = allowing(roleStatements, 's3:GetObject').flatMap((statement) =>
      asArray(statement.Resource),
    );
    expect(new Set(reads.flatMap((resource) => [...referencedIds(resource)]))).toEqual(
      new Set([...storageIds, unpackId]),
    );
    const writes = allowing(roleStatements, 's3:PutObject').flatMap((statement) =>
      asArray(statement.Resource),
    );
    expect(writes.map(render)).toEqual([`<${unpackId}.Arn>/.work/fixity-*`]);
  });
});

describe('the functions around it', () => {
  const compute = functions.get(taskHandlerModule('fixity/compute-checksums'))!;
  const collect = functions.get(taskHandlerModule('fixity/collect-checksums'))!;

  it('only compute-checksums creates jobs, and only Compute checksum jobs', () => {
    const creators = [...functions].filter(
      ([, id]) =>
        allowing(statementsOfRole(template, roleOfFunction(template, id)), 's3:CreateJob').length > 0,
    );
    expect(creators.map(([module]) => module)).toEqual([taskHandlerModule('fixity/compute-checksums')]);
    const [create] = allowing(statementsOfRole(template, roleOfFunction(template, compute)), 's3:CreateJob');
    expect(create?.Condition).toEqual({
      StringEquals: { 's3:RequestJobOperation': 'S3ComputeObjectChecksum' },
    });
  });

  it('passes exactly the checksum role, and only to S3 Batch Operations', () => {
    // Other PassRole grants (the ingest workflow passing the Fargate Unpack task's roles to ECS) must
    // not name the checksum role; the one that does names only it.
    const passes = (allPolicyStatements(template) as Statement[]).filter(
      (statement) =>
        asArray(statement.Action).includes('iam:PassRole') && referencedIds(statement.Resource).has(roleId),
    );
    expect(passes).toHaveLength(1);
    expect([...referencedIds(passes[0]?.Resource)]).toEqual([roleId]);
    expect(passes[0]?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'batchoperations.s3.amazonaws.com' },
    });
    const holder = statementsOfRole(template, roleOfFunction(template, compute));
    expect(holder).toContainEqual(passes[0]);
  });

  it('collect-checksums describes jobs of this account and region', () => {
    const [describeJob] = allowing(
      statementsOfRole(template, roleOfFunction(template, collect)),
      's3:DescribeJob',
    );
    expect(render(describeJob?.Resource)).toMatch(/:s3:.*:job\/\*$/);
  });

  it('every function learns the role from its environment', () => {
    for (const fn of Object.values(resourcesOfType(template, 'AWS::Lambda::Function'))) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect([...referencedIds(variables[ENV.batchOperationsRoleArn])]).toEqual([roleId]);
    }
  });
});

describe('the fixity workflow', () => {
  type State = Record<string, unknown> & { Type: string; Next?: string };
  const { States } = JSON.parse(
    readFileSync(path.join(STATE_MACHINES_DIR, stateMachines.fixity.file), 'utf8'),
  ) as { States: Record<string, State> };

  it('starts the job after the checks, waits while it runs, then finishes; failures end in RecordFailure', () => {
    expect(States.FindingUntracked?.Next).toBe('ComputingChecksums');
    expect(States.ComputingChecksums?.Next).toBe('ChecksumsPending');
    expect(States.ChecksumsPending).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.checksums.pending', BooleanEquals: true, Next: 'WaitForChecksums' }],
      Default: 'Finishing',
    });
    expect(States.WaitForChecksums).toMatchObject({ Type: 'Wait', Next: 'CollectingChecksums' });
    expect(States.CollectingChecksums?.Next).toBe('ChecksumsPending');
    for (const name of ['ComputingChecksums', 'CollectingChecksums']) {
      expect(States[name]?.Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' },
      ]);
    }
  });
});
