import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type StateMachineName, stateMachines } from '../../lambdas/workflows/tasks.ts';
import { STATE_MACHINES_DIR, taskHandlerModule } from '../../lib/handler-modules.ts';
import {
  asArray,
  referencedIds,
  render,
  resourcesOfType,
  statementsOfRole,
  synthForAssertions,
} from './template-helpers.ts';

const { template, assemblyDir, stack, functions } = synthForAssertions();
/** Variables of the ECS task states (UnpackingOnFargate), given by the Unpack task construct. */
const containerVariables = (name: StateMachineName) =>
  'containerTasks' in stateMachines[name] ? Object.keys(stack.unpackTask.substitutions()) : [];
const machines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine');

const SUBSTITUTION = /\$\{(\w+)\}/g;

/** Replaces `${Var}` everywhere in a JSON value, as CloudFormation's DefinitionSubstitutions does. */
function substitute(value: unknown, replacements: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(SUBSTITUTION, (whole, name: string) => replacements[name] ?? whole);
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, replacements));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, replacements)]),
    );
  }
  return value;
}

describe.each(Object.keys(stateMachines) as StateMachineName[])('the %s state machine', (name) => {
  const definition = stateMachines[name];
  const fileText = readFileSync(path.join(STATE_MACHINES_DIR, definition.file), 'utf8');
  const [machineId, machine] = Object.entries(machines).find(
    ([, candidate]) => candidate.Properties.StateMachineName === `Bagvault-${name}`,
  )!;
  const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
  // DefinitionBody.fromFile uploads the file as an asset; CloudFormation reads it from S3.
  const location = machine.Properties.DefinitionS3Location as { Key: string };
  const deployedText = readFileSync(path.join(assemblyDir, `asset.${location.Key}`), 'utf8');

  it('deploys the ASL file byte for byte', () => {
    expect(deployedText).toBe(fileText);
  });

  it('substitutes every variable of the file with the ARN of the function built from its mapped module', () => {
    const variables = new Set([...fileText.matchAll(SUBSTITUTION)].map((match) => match[1]));
    expect([...variables].sort()).toEqual(
      [...Object.keys(definition.tasks), ...containerVariables(name)].sort(),
    );
    expect(Object.keys(substitutions).sort()).toEqual([...variables].sort());
    for (const [variable, module] of Object.entries(definition.tasks)) {
      const functionId = functions.get(taskHandlerModule(module));
      expect(functionId, module).toBeDefined();
      expect(substitutions[variable], variable).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
    }
  });

  it('after substitution equals the file with each Task pointing at its handler function', () => {
    const placeholders = Object.fromEntries(
      Object.entries(substitutions).map(([variable, arn]) => [variable, render(arn)]),
    );
    const deployed = substitute(JSON.parse(deployedText), placeholders);
    expect(JSON.stringify(deployed)).not.toContain('${');
    const expected = substitute(
      JSON.parse(fileText),
      Object.fromEntries([
        ...Object.entries(definition.tasks).map(([variable, module]) => [
          variable,
          `<${functions.get(taskHandlerModule(module))}.Arn>`,
        ]),
        ...containerVariables(name).map((variable) => [variable, placeholders[variable]]),
      ]),
    );
    expect(deployed).toEqual(expected);
  });

  it('may invoke exactly the functions its definition names', () => {
    const [roleId] = referencedIds(machine.Properties.RoleArn);
    const invoked = new Set(
      statementsOfRole(template, roleId)
        .filter((statement) => asArray(statement.Action).includes('lambda:InvokeFunction'))
        .flatMap((statement) => [...referencedIds(statement.Resource)]),
    );
    const named = new Set(
      Object.values(definition.tasks).map((module) => functions.get(taskHandlerModule(module))),
    );
    expect([...invoked].sort()).toEqual([...named].sort());
    expect(machineId).toBeTruthy();
  });

  it('logs ALL events to CloudWatch and traces with X-Ray', () => {
    expect(machine.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
  });
});

describe('the ingest failure rule (executions that die outside their Catch)', () => {
  const rules = Object.entries(resourcesOfType(template, 'AWS::Events::Rule'));
  const [ingestMachineId] = Object.entries(machines).find(
    ([, candidate]) => candidate.Properties.StateMachineName === 'Bagvault-ingest',
  )!;
  const failureFunctionId = functions.get(
    taskHandlerModule(stateMachines.ingest.tasks.RecordFailureFunctionArn),
  )!;
  const matching = rules.filter(([, rule]) =>
    JSON.stringify(rule.Properties.EventPattern).includes('Step Functions Execution Status Change'),
  );

  it('matches FAILED, TIMED_OUT and ABORTED executions of the ingest state machine only', () => {
    expect(matching).toHaveLength(1);
    const [, rule] = matching[0]!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: ingestMachineId }] },
    });
    expect(rule.Properties.State ?? 'ENABLED').toBe('ENABLED');
  });

  it('runs the same failure handler as the Catch path, with the execution name as the ingest id', () => {
    const [, rule] = matching[0]!;
    const targets = rule.Properties.Targets as {
      Arn: unknown;
      InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
      RetryPolicy?: { MaximumRetryAttempts?: number };
    }[];
    expect(targets).toHaveLength(1);
    expect(targets[0]!.Arn).toEqual({ 'Fn::GetAtt': [failureFunctionId, 'Arn'] });
    const { InputPathsMap, InputTemplate } = targets[0]!.InputTransformer;
    expect(Object.values(InputPathsMap).sort()).toEqual(
      ['$.detail.cause', '$.detail.error', '$.detail.name', '$.detail.status'].sort(),
    );
    const nameKey = Object.entries(InputPathsMap).find(([, path]) => path === '$.detail.name')![0];
    const statusKey = Object.entries(InputPathsMap).find(([, path]) => path === '$.detail.status')![0];
    expect(InputTemplate).toContain(`"ingestId":<${nameKey}>`);
    expect(InputTemplate).toContain(`"status":<${statusKey}>`);
    expect(targets[0]!.RetryPolicy?.MaximumRetryAttempts).toBeGreaterThan(2);
  });

  it('lets EventBridge invoke that function from this rule only', () => {
    const [ruleId] = matching[0]!;
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).filter(
      (permission) => referencedIds(permission.Properties.SourceArn).has(ruleId),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [failureFunctionId, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });
});
