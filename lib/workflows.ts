/**
 * The two state machines, deployed from the ASL files in statemachines/ exactly as written: every
 * Task's `${XxxFunctionArn}` variable is substituted with the ARN of the function built from the
 * handler module lambdas/workflows/tasks.ts maps it to — the same mapping the local stack runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { WORK_AREA_PREFIX } from '../lambdas/storage/storage-layout.ts';
import { type StateMachineName, stateMachines } from '../lambdas/workflows/tasks.ts';
import type { HandlerFunctions } from './handler-functions.ts';
import { IngestFailureRule } from './ingest-failure-rule.ts';
import { STATE_MACHINES_DIR, taskHandlerModule } from './handler-modules.ts';

export const STATE_MACHINE_NAMES = Object.keys(stateMachines) as StateMachineName[];

/**
 * State machines get fixed names so their ARNs can be written before they exist: functions carry
 * both ARNs in their environment, while the state machines reference the functions' ARNs. Building
 * the ARN from the name breaks that cycle. The stack name keeps two stacks in one account apart.
 */
export function stateMachineName(stack: Stack, name: StateMachineName): string {
  return `${stack.stackName}-${name}`;
}

export function stateMachineArn(stack: Stack, name: StateMachineName): string {
  return stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName(stack, name),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** What a definition's Distributed Maps need: child executions, and S3 reads when items come from S3. */
export function distributedMapsOf(definition: unknown): { any: boolean; itemReaders: boolean } {
  const found = { any: false, itemReaders: false };
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const state = value as Record<string, unknown>;
    const mode = (state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig
      ?.Mode;
    if (state.Type === 'Map' && mode === 'DISTRIBUTED') {
      found.any = true;
      if (state.ItemReader) found.itemReaders = true;
    }
    Object.values(state).forEach(visit);
  };
  visit(definition);
  return found;
}

export interface WorkflowsProps {
  functions: HandlerFunctions;
  /** The unpack bucket, whose work area holds the chunk indexes. */
  workBucket: IBucket;
  /** Tasks that run as ECS tasks (lambdas/workflows/tasks.ts `containerTasks`), by state machine. */
  containerTasks: Partial<Record<StateMachineName, ContainerTaskResources>>;
}

/** What an ASL file's ECS task states need: their substitutions, and the grants to run them. */
export interface ContainerTaskResources {
  substitutions(): Record<string, string>;
  grantRun(stateMachine: StateMachine): void;
}

export class Workflows extends Construct {
  readonly stateMachines: Record<StateMachineName, StateMachine>;
  readonly ingestFailureRule: IngestFailureRule;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const built: Partial<Record<StateMachineName, StateMachine>> = {};
    for (const name of STATE_MACHINE_NAMES) {
      const definition = stateMachines[name];
      const taskFunctions = Object.entries(definition.tasks).map(
        ([variable, module]) =>
          [variable, props.functions.add(taskHandlerModule(module), 'workflow')] as const,
      );
      const containers = props.containerTasks[name];
      const title = name.charAt(0).toUpperCase() + name.slice(1);
      const stateMachine = new StateMachine(this, `${title}StateMachine`, {
        stateMachineName: stateMachineName(stack, name),
        stateMachineType: StateMachineType.STANDARD,
        definitionBody: DefinitionBody.fromFile(path.join(STATE_MACHINES_DIR, definition.file)),
        definitionSubstitutions: {
          ...Object.fromEntries(taskFunctions.map(([variable, fn]) => [variable, fn.functionArn])),
          ...containers?.substitutions(),
        },
        // Full execution history in CloudWatch: states carry ids and S3 keys (never file lists or secrets).
        logs: {
          destination: new LogGroup(this, `${title}StateMachineLogs`, { retention: RetentionDays.ONE_YEAR }),
          level: LogLevel.ALL,
          includeExecutionData: true,
        },
        tracingEnabled: true,
      });
      // Invoke permission on exactly the functions the definition names, nothing else.
      for (const fn of new Set(taskFunctions.map(([, fn]) => fn))) fn.grantInvoke(stateMachine);
      containers?.grantRun(stateMachine);
      const maps = distributedMapsOf(
        JSON.parse(readFileSync(path.join(STATE_MACHINES_DIR, definition.file), 'utf8')),
      );
      if (maps.any) {
        // A Distributed Map runs its children as executions of this same state machine.
        stateMachine.addToRolePolicy(
          new PolicyStatement({
            actions: ['states:StartExecution'],
            resources: [stateMachineArn(stack, name)],
          }),
        );
        stateMachine.addToRolePolicy(
          new PolicyStatement({
            actions: ['states:DescribeExecution', 'states:StopExecution'],
            resources: [
              stack.formatArn({
                service: 'states',
                resource: 'execution',
                resourceName: `${stateMachineName(stack, name)}/*`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ],
          }),
        );
      }
      if (maps.itemReaders) {
        // ItemReaders read chunk indexes (lambdas/workflows/chunk-list.ts), which live in the work area only.
        stateMachine.addToRolePolicy(
          new PolicyStatement({
            actions: ['s3:GetObject'],
            resources: [props.workBucket.arnForObjects(`${WORK_AREA_PREFIX}*`)],
          }),
        );
      }
      built[name] = stateMachine;
    }
    this.stateMachines = built as Record<StateMachineName, StateMachine>;
    // Executions that die outside their Catch end the same way, through the same handler.
    this.ingestFailureRule = new IngestFailureRule(this, 'IngestFailureRule', {
      stateMachine: this.stateMachines.ingest,
      failureHandler: props.functions.get(
        taskHandlerModule(stateMachines.ingest.tasks.RecordFailureFunctionArn),
      ),
    });
  }
}
