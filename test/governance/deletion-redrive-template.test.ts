/** The deletion re-drive in AWS: a schedule invokes it, and it may only start and look at deletions. */
import { describe, expect, it } from 'vitest';
import {
  DELETION_GAVE_UP_METRIC,
  DELETION_START_FAILED_METRIC,
} from '../../lambdas/deletion/deletion-metrics.ts';
import { DELETION_REDRIVE_MINUTES } from '../../lib/deletion-redrive.ts';
import { DELETION_REDRIVE_MODULE } from '../../lib/handler-modules.ts';
import {
  ALARM_ON_FIRST_OCCURRENCE,
  asArray,
  referencedIds,
  render,
  resourcesOfType,
  roleOfFunction,
  statementsOfRole,
  synthForAssertions,
} from '../cdk/template-helpers.ts';

const { template, functions } = synthForAssertions();
const redriveId = functions.get(DELETION_REDRIVE_MODULE) as string;

describe('the deletion re-drive', () => {
  it('is invoked by EventBridge Scheduler at a fixed rate', () => {
    expect(redriveId).toBeDefined();
    const schedules = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule')).filter(
      (schedule) => referencedIds((schedule.Properties.Target as { Arn: unknown }).Arn).has(redriveId),
    );
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.Properties.ScheduleExpression).toBe(`rate(${DELETION_REDRIVE_MINUTES} minutes)`);
  });

  it('may start and describe executions of the deletion state machine only, and touches no bucket', () => {
    const statements = statementsOfRole(template, roleOfFunction(template, redriveId));
    const states = statements.filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('states:')),
    );
    expect(states.flatMap((statement) => asArray(statement.Action)).sort()).toEqual([
      'states:DescribeExecution',
      'states:StartExecution',
    ]);
    for (const statement of states)
      expect(render(statement.Resource)).toMatch(/WorkflowsDeletionStateMachine|Bagvault-deletion/);
    expect(
      statements.flatMap((statement) => asArray(statement.Action)).filter((a) => a.startsWith('s3:')),
    ).toEqual([]);
  });

  it('alarms on the first deletion it gives up on, notifying the one alarm topic the stack outputs', () => {
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === DELETION_GAVE_UP_METRIC,
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Properties).toMatchObject(ALARM_ON_FIRST_OCCURRENCE);
    const topics = Object.keys(resourcesOfType(template, 'AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    expect([...referencedIds(alarms[0]?.Properties.AlarmActions)]).toEqual(topics);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect([...referencedIds(outputs.FixityAlarmTopicArn?.Value)]).toEqual(topics);
  });

  it('alarms on a start Step Functions refuses in three of four sweep periods, not on one, on the same topic', () => {
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === DELETION_START_FAILED_METRIC,
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Properties).toMatchObject({
      ...ALARM_ON_FIRST_OCCURRENCE,
      // One count per sweep period: a single refused sweep is one datapoint, below three.
      Period: DELETION_REDRIVE_MINUTES * 60,
      EvaluationPeriods: 4,
      DatapointsToAlarm: 3,
    });
    expect([...referencedIds(alarms[0]?.Properties.AlarmActions)]).toEqual(
      Object.keys(resourcesOfType(template, 'AWS::SNS::Topic')),
    );
    // The count goes out through the function's log (EMF): no metric or wildcard grant for it.
    const statements = statementsOfRole(template, roleOfFunction(template, redriveId));
    const actions = statements.flatMap((statement) => asArray(statement.Action));
    expect(actions.filter((action) => action.startsWith('cloudwatch:') || action.endsWith('*'))).toEqual([]);
    for (const statement of statements.filter((s) => asArray(s.Resource).includes('*')))
      expect(asArray(statement.Action).every((action) => action.startsWith('xray:'))).toBe(true);
  });
});
