import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.ts';
import { TASK_INPUT_VARIABLE, TASK_TOKEN_VARIABLE } from '../../lambdas/workflows/container-task.ts';
import { STATE_MACHINES_DIR, taskHandlerModule } from '../../lib/handler-modules.ts';
import { UNPACK_CONTAINER } from '../../lib/unpack-task.ts';
import { synthStack } from './synth-stack.ts';
import {
  asArray,
  functionsByModule,
  type PolicyStatement,
  referencedIds,
  render,
  resourcesOfType,
  roleOfFunction,
  statementsOfRole,
} from './template-helpers.ts';

const { template, stack } = synthStack();
const asl = JSON.parse(readFileSync(path.join(STATE_MACHINES_DIR, 'ingest.asl.json'), 'utf8')) as {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
};
const [taskDefinitionId, taskDefinition] = Object.entries(
  resourcesOfType(template, 'AWS::ECS::TaskDefinition'),
)[0]!;
const container = (taskDefinition.Properties.ContainerDefinitions as Record<string, unknown>[])[0]!;
const ingestMachine = Object.values(resourcesOfType(template, 'AWS::StepFunctions::StateMachine')).find(
  (machine) => machine.Properties.StateMachineName === 'Bagvault-ingest',
)!;
const substitutions = ingestMachine.Properties.DefinitionSubstitutions as Record<string, unknown>;
const machineRole = [...referencedIds(ingestMachine.Properties.RoleArn)][0]!;
const taskRole = [...referencedIds(taskDefinition.Properties.TaskRoleArn)][0]!;
const executionRole = [...referencedIds(taskDefinition.Properties.ExecutionRoleArn)][0]!;

/** A role's statements without their Sid, rendered, for comparing grants across principals. */
const grantsOf = (roleId: string) =>
  statementsOfRole(template, roleId).map((statement: PolicyStatement) =>
    render({ Effect: statement.Effect, Action: statement.Action, Resource: statement.Resource }),
  );

describe('the Fargate Unpack task', () => {
  it('is one ARM64 Fargate task of 2 vCPU and 4 GB whose container the ASL overrides by name', () => {
    expect(resourcesOfType(template, 'AWS::ECS::TaskDefinition')).toHaveProperty(taskDefinitionId);
    expect(taskDefinition.Properties).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: '2048',
      Memory: '4096',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    expect(container).toMatchObject({
      Name: UNPACK_CONTAINER,
      Essential: true,
      ReadonlyRootFilesystem: true,
      LogConfiguration: { LogDriver: 'awslogs' },
    });
    // The image is the repository's Docker asset, pushed by cdk deploy to the bootstrap repository.
    expect(render(container.Image)).toMatch(/container-assets/);
  });

  it('gets the handlers’ configuration, the Fargate threshold included', () => {
    const environment = Object.fromEntries(
      (container.Environment as { Name: string; Value: unknown }[]).map((entry) => [entry.Name, entry.Value]),
    );
    for (const name of [ENV.tableName, ENV.uploadBucket, ENV.unpackBucket, ENV.ingestStateMachineArn]) {
      expect(environment, name).toHaveProperty(name);
    }
    expect(environment[ENV.fargateUnpackAboveBytes]).toBe(String(20 * 1000 ** 3));
  });

  it('runs with exactly the Unpack Lambda’s grants, plus answering its Task by token', () => {
    const functionId = functionsByModule(template).get(taskHandlerModule('ingest/unpack'))!;
    const lambdaGrants = grantsOf(roleOfFunction(template, functionId)).filter(
      (statement) => !statement.includes('xray:'),
    );
    const taskGrants = grantsOf(taskRole);
    const answering = taskGrants.filter((statement) => statement.includes('states:'));
    expect(answering).toHaveLength(1);
    expect(answering[0]).toContain('states:SendTaskSuccess');
    expect(answering[0]).toContain('states:SendTaskFailure');
    expect(answering[0]).toContain(':stateMachine:Bagvault-ingest');
    expect(taskGrants.filter((statement) => !statement.includes('states:')).sort()).toEqual(
      lambdaGrants.sort(),
    );
  });

  it('accepts no inbound traffic, and goes out on HTTPS only', () => {
    const groups = Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroup')).filter((group) =>
      String(group.Properties.GroupDescription).includes('Unpack'),
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]!.Properties.SecurityGroupIngress).toBeUndefined();
    expect(groups[0]!.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }),
    ]);
  });

  it('may be run by the ingest state machine alone, which may pass only its two roles to ECS', () => {
    const statements = statementsOfRole(template, machineRole);
    const runTask = statements.filter((statement) => asArray(statement.Action).includes('ecs:RunTask'));
    expect(runTask).toHaveLength(1);
    expect(runTask[0]!.Resource).toEqual({ Ref: taskDefinitionId });
    const passRole = statements.filter((statement) => asArray(statement.Action).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect([...referencedIds(passRole[0]!.Resource)].sort()).toEqual([executionRole, taskRole].sort());
    expect(render(passRole[0])).toContain('ecs-tasks.amazonaws.com');
    const others = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter(
      (policy) =>
        !referencedIds(policy.Properties.Roles).has(machineRole) &&
        render(policy.Properties.PolicyDocument).includes('ecs:RunTask'),
    );
    expect(others).toEqual([]);
  });
});

describe('the ingest ASL’s path to the Fargate task', () => {
  const states = asl.States;

  it('measures the archive first, then chooses by its size against the configured threshold', () => {
    expect(asl.StartAt).toBe('MeasuringArchive');
    expect(states.MeasuringArchive).toMatchObject({ Type: 'Task', Next: 'ChoosingUnpacker' });
    expect(states.ChoosingUnpacker).toEqual(
      expect.objectContaining({
        Type: 'Choice',
        Choices: [
          {
            Variable: '$.archive.bytes',
            NumericGreaterThanPath: '$.archive.fargateAboveBytes',
            Next: 'UnpackingOnFargate',
          },
        ],
        Default: 'Unpacking',
      }),
    );
  });

  it('runs the task with runTask.sync in the task’s cluster, subnets and security group', () => {
    const fargate = states.UnpackingOnFargate as {
      Resource: string;
      Parameters: Record<string, unknown>;
      Next: string;
      Catch: unknown;
      ResultPath: string;
    };
    expect(fargate.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(fargate.Parameters).toMatchObject({
      Cluster: '${UnpackClusterArn}',
      TaskDefinition: '${UnpackTaskDefinitionArn}',
      LaunchType: 'FARGATE',
    });
    expect(substitutions.UnpackTaskDefinitionArn).toEqual({ Ref: taskDefinitionId });
    const [clusterId] = Object.keys(resourcesOfType(template, 'AWS::ECS::Cluster'));
    expect(referencedIds(substitutions.UnpackClusterArn)).toEqual(new Set([clusterId]));
    expect(substitutions.UnpackAssignPublicIp).toBe('ENABLED');
    const subnets = Object.keys(resourcesOfType(template, 'AWS::EC2::Subnet'));
    expect(referencedIds(substitutions.UnpackSubnetIds)).toEqual(new Set(subnets));
    // The same handler input and its task token, under the container's own name.
    const overrides = render(fargate.Parameters.Overrides);
    expect(overrides).toContain(`"Name":"${UNPACK_CONTAINER}"`);
    expect(overrides).toContain(TASK_INPUT_VARIABLE);
    expect(overrides).toContain(TASK_TOKEN_VARIABLE);
    expect(overrides).toContain('$$.Task.Token');
    // Either way the workflow goes on to the same state, and fails through the same Catch.
    expect(fargate.Next).toBe(states.Unpacking!.Next);
    expect(fargate.Catch).toEqual(states.Unpacking!.Catch);
    expect(fargate.ResultPath).toBe(states.Unpacking!.ResultPath);
  });

  it('never retries what a retry cannot cure, though States.TaskFailed matches every error', () => {
    const retry = (states.UnpackingOnFargate as { Retry: { ErrorEquals: string[]; MaxAttempts?: number }[] })
      .Retry;
    expect(retry[0]).toEqual({
      ErrorEquals: ['RefusalError', 'IngestCancelled', 'IngestEnded'],
      MaxAttempts: 0,
    });
    expect(retry.findIndex((retrier) => retrier.ErrorEquals.includes('States.TaskFailed'))).toBeGreaterThan(
      0,
    );
  });
});

describe('the Fargate Unpack task in subnets from context', () => {
  const inVpc = synthStack({ unpackVpcId: 'vpc-0123abcd', unpackSubnetIds: 'subnet-0aa,subnet-0bb' });
  const machine = Object.values(resourcesOfType(inVpc.template, 'AWS::StepFunctions::StateMachine')).find(
    (candidate) => candidate.Properties.StateMachineName === 'Bagvault-ingest',
  )!;
  const given = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;

  it('runs in those subnets without a public IP, and makes no VPC of its own', () => {
    expect(given.UnpackSubnetIds).toBe('subnet-0aa,subnet-0bb');
    expect(given.UnpackAssignPublicIp).toBe('DISABLED');
    expect(Object.keys(resourcesOfType(inVpc.template, 'AWS::EC2::VPC'))).toEqual([]);
  });

  it('sets the threshold from context for the function that measures archives', () => {
    const other = synthStack({ fargateUnpackAboveBytes: 5_000_000_000 });
    const fnId = functionsByModule(other.template).get(taskHandlerModule('ingest/measure-archive'))!;
    const fn = resourcesOfType(other.template, 'AWS::Lambda::Function')[fnId]!;
    expect(render(fn.Properties.Environment)).toContain(`"${ENV.fargateUnpackAboveBytes}":"5000000000"`);
    expect(stack.unpackTask).toBeDefined();
  });
});
