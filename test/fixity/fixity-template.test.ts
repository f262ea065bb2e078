import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config.ts';
import { UNREPAIRED_METRIC } from '../../lambdas/fixity/fixity-metrics.ts';
import { stateMachines } from '../../lambdas/workflows/tasks.ts';
import { FIXITY_SWEEP_MODULE, STATE_MACHINES_DIR } from '../../lib/handler-modules.ts';
import { synthStack } from '../cdk/synth-stack.ts';
import {
  ALARM_ON_FIRST_OCCURRENCE,
  functionsByModule,
  referencedIds,
  render,
  resourcesOfType,
} from '../cdk/template-helpers.ts';

const { template } = synthStack({
  fixitySweepMinutes: 15,
  fixityIntervalDays: 30,
  fixityMaxConcurrentRuns: 2,
});
const functions = functionsByModule(template);

type State = Record<string, unknown> & { Type: string };
const definition = JSON.parse(
  readFileSync(path.join(STATE_MACHINES_DIR, stateMachines.fixity.file), 'utf8'),
) as { States: Record<string, State> };

function* statesOf(states: Record<string, State>): Generator<[string, State]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    const processor = state.ItemProcessor as { States: Record<string, State> } | undefined;
    if (processor) yield* statesOf(processor.States);
  }
}

describe('the fixity state machine', () => {
  it('is deployed as its own state machine', () => {
    const names = Object.values(resourcesOfType(template, 'AWS::StepFunctions::StateMachine')).map(
      (machine) => machine.Properties.StateMachineName,
    );
    expect(names).toContain('Bagvault-fixity');
  });

  it('iterates over the chunk index in S3, a batch of chunk numbers and location names only, never a file list', () => {
    const maps = [...statesOf(definition.States)].filter(([, state]) => state.Type === 'Map');
    expect(maps.map(([, state]) => state.ItemsPath ?? state.ItemReader).sort()).toEqual([
      '$.Items',
      '$.prepared.locations',
      {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.prepared.chunkList.bucket', 'Key.$': '$.prepared.chunkList.key' },
      },
    ]);
    for (const [, state] of maps) expect(state.ResultPath).toBeNull();
  });

  it('retries transient errors in every task and ends every failure in RecordFailure', () => {
    for (const [name, state] of statesOf(definition.States)) {
      if (state.Type !== 'Task') continue;
      expect(JSON.stringify(state.Retry), name).toContain('TransientError');
    }
    for (const name of ['Preparing', 'CheckingChunks', 'FindingUntracked', 'Finishing']) {
      expect(definition.States[name]?.Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' },
      ]);
    }
  });
});

describe('fixity monitoring', () => {
  const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
  const topics = resourcesOfType(template, 'AWS::SNS::Topic');
  const [topicId, topic] = Object.entries(topics)[0]!;

  it('alarms on any unrepaired fixity failure and notifies an encrypted SNS topic that the stack outputs', () => {
    const alarm = alarms.find((candidate) => candidate.Properties.MetricName === UNREPAIRED_METRIC);
    expect(alarm?.Properties).toMatchObject(ALARM_ON_FIRST_OCCURRENCE);
    expect([...referencedIds(alarm?.Properties.AlarmActions)]).toEqual([topicId]);
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect([...referencedIds(outputs.FixityAlarmTopicArn?.Value)]).toEqual([topicId]);
  });

  it('sweeps on the configured rate with EventBridge Scheduler, invoking the sweep function', () => {
    const sweepId = functions.get(FIXITY_SWEEP_MODULE);
    expect(sweepId).toBeDefined();
    const schedules = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule')).filter(
      (schedule) =>
        referencedIds((schedule.Properties.Target as { Arn: unknown }).Arn).has(sweepId as string),
    );
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties.ScheduleExpression).toBe('rate(15 minutes)');
  });

  it('hands the interval and the cap on concurrent runs to the functions', () => {
    const sweep = resourcesOfType(template, 'AWS::Lambda::Function')[functions.get(FIXITY_SWEEP_MODULE)!];
    const variables = (sweep?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables[ENV.fixityIntervalSeconds]).toBe(String(30 * 86_400));
    expect(variables[ENV.fixityMaxConcurrentRuns]).toBe('2');
    // The sweep paces itself by its own period.
    expect(variables[ENV.fixitySweepSeconds]).toBe(String(15 * 60));
    expect(render(variables[ENV.fixityStateMachineArn])).toMatch(/stateMachine:Bagvault-fixity$/);
  });
});
