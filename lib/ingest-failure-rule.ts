/**
 * SPEC §2: an ingest execution that dies outside its Catch (history-event limit, execution timeout,
 * a task whose retries and Catch could not run, StopExecution) still ends its ingest cleanly. This
 * rule hands every FAILED, TIMED_OUT or ABORTED execution of the ingest state machine to the same
 * failure handler the Catch path runs; the execution's name is the ingest id (create-ingest.ts).
 * The handler is idempotent, so the executions that already ran their Catch are harmless repeats.
 */
import { Duration } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EXECUTION_END_STATUSES } from '../lambdas/ingest-workflow/failure.ts';

export interface IngestFailureRuleProps {
  stateMachine: StateMachine;
  failureHandler: IFunction;
}

export class IngestFailureRule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: IngestFailureRuleProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      description: 'Ends the ingest of an ingest execution that failed, timed out or was stopped',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: [...EXECUTION_END_STATUSES],
          stateMachineArn: [props.stateMachine.stateMachineArn],
        },
      },
    });
    this.rule.addTarget(
      new LambdaFunction(props.failureHandler, {
        event: RuleTargetInput.fromObject({
          ingestId: EventField.fromPath('$.detail.name'),
          execution: {
            status: EventField.fromPath('$.detail.status'),
            error: EventField.fromPath('$.detail.error'),
            cause: EventField.fromPath('$.detail.cause'),
          },
        }),
        // A cleanup that keeps failing (e.g. throttled) is retried for up to a day.
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );
  }
}
