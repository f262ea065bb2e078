import type { StateMachine } from 'aws-local-stepfunctions';

/**
 * The read side of the local Step Functions endpoint: ListStateMachines, ListExecutions and
 * GetExecutionHistory, so `aws stepfunctions … --endpoint-url` and SFNClient can inspect runs as in
 * AWS. It follows each execution's event log (aws-local-stepfunctions' own) and translates it into
 * AWS history events; a failed step is also logged, as Step Functions' CloudWatch logging does in AWS.
 */
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface InspectedExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: string;
  startDate: number;
  stopDate?: number;
}

type HistoryEvent = { id: number; previousEventId: number; timestamp: number; type: string } & Record<
  string,
  unknown
>;

/** AWS keeps at most 25,000 events per execution; so does this, so a huge run stays bounded in memory. */
const MAX_EVENTS = 25_000;
/** Inputs and outputs are cut in the history (AWS allows 256 KB each). */
const MAX_PAYLOAD = 256 * 1024;

const seconds = (milliseconds: number) => milliseconds / 1000;
const payload = (value: unknown) => {
  const text = JSON.stringify(value ?? null);
  return text.length > MAX_PAYLOAD ? `${text.slice(0, MAX_PAYLOAD)}…` : text;
};
const causeText = (cause: unknown) => (typeof cause === 'string' ? cause : payload(cause));

/** One local event as AWS names it (`TaskStateEntered`, `TaskFailed`, `MapIterationStarted`…). */
function translate(event: EventLog): Record<string, unknown> | undefined {
  switch (event.type) {
    case 'ExecutionStarted':
      return { type: 'ExecutionStarted', executionStartedEventDetails: { input: payload(event.input) } };
    case 'ExecutionSucceeded':
      return {
        type: 'ExecutionSucceeded',
        executionSucceededEventDetails: { output: payload(event.output) },
      };
    case 'ExecutionFailed':
      return {
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: event.Error, cause: causeText(event.Cause) },
      };
    case 'ExecutionAborted':
      return { type: 'ExecutionAborted', executionAbortedEventDetails: {} };
    case 'ExecutionTimeout':
      return { type: 'ExecutionTimedOut', executionTimedOutEventDetails: {} };
    case 'StateEntered':
      return {
        type: `${event.state.type}StateEntered`,
        stateEnteredEventDetails: { name: event.state.name, input: payload(event.state.input) },
      };
    case 'StateExited':
      return {
        type: `${event.state.type}StateExited`,
        stateExitedEventDetails: { name: event.state.name, output: payload(event.state.output) },
      };
    case 'StateFailed':
      return event.state.type === 'Task'
        ? {
            type: 'TaskFailed',
            taskFailedEventDetails: {
              resourceType: 'lambda',
              resource: 'invoke',
              error: event.Error,
              cause: causeText(event.Cause),
            },
          }
        : undefined;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return {
        type: event.type,
        [`${event.type[0]?.toLowerCase()}${event.type.slice(1)}EventDetails`]: {
          name: event.parentState.name,
          index: event.index,
        },
      };
    default:
      return undefined;
  }
}

/** A page of `items` from an opaque `nextToken` (an offset) and `maxResults` (AWS's default 100). */
function page<T>(items: T[], request: Record<string, unknown>) {
  const start = Number(request.nextToken ?? 0) || 0;
  const size = Math.min(Math.max(Number(request.maxResults) || 100, 1), 1000);
  const end = start + size;
  return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
}

export function executionInspection(options: {
  stateMachineArns: () => string[];
  executions: () => Iterable<InspectedExecution>;
  /** The endpoint's ExecutionDoesNotExist error. */
  missingExecution: (executionArn: string) => Error;
  /** A failed step, as one JSON line (the local stack's log). */
  log?: (line: string) => void;
}) {
  const histories = new Map<string, HistoryEvent[]>();

  /** Follows an execution's event log in the background until it ends. */
  function follow(
    execution: { executionArn: string; stateMachineArn: string },
    events: AsyncGenerator<EventLog>,
  ) {
    const history: HistoryEvent[] = [];
    histories.set(execution.executionArn, history);
    void (async () => {
      for await (const event of events) {
        if (event.type === 'StateFailed' && event.state.type === 'Task') {
          options.log?.(
            JSON.stringify({
              level: 'ERROR',
              message: 'Workflow step failed',
              timestamp: new Date(event.timestamp).toISOString(),
              stateMachine: execution.stateMachineArn.split(':').pop(),
              execution: execution.executionArn.split(':').pop(),
              step: event.state.name,
              error: event.Error,
              cause: causeText(event.Cause).slice(0, 1000),
            }),
          );
        }
        const translated = translate(event);
        if (!translated || history.length >= MAX_EVENTS) continue;
        const id = history.length + 1;
        history.push({
          id,
          previousEventId: id - 1,
          timestamp: seconds(event.timestamp),
          ...translated,
        } as HistoryEvent);
      }
    })().catch(() => undefined);
  }

  const nameOf = (arn: string) => arn.split(':').pop() ?? arn;

  const operations: Record<string, (request: Record<string, unknown>) => unknown> = {
    ListStateMachines: (request) => {
      const { items, nextToken } = page(options.stateMachineArns(), request);
      return {
        stateMachines: items.map((stateMachineArn) => ({
          stateMachineArn,
          name: nameOf(stateMachineArn),
          type: 'STANDARD',
          creationDate: 0,
        })),
        nextToken,
      };
    },
    ListExecutions: (request) => {
      const matching = [...options.executions()]
        .filter(
          (execution) => !request.stateMachineArn || execution.stateMachineArn === request.stateMachineArn,
        )
        .filter((execution) => !request.statusFilter || execution.status === request.statusFilter)
        .sort((a, b) => b.startDate - a.startDate);
      const { items, nextToken } = page(matching, request);
      return {
        executions: items.map((execution) => ({
          executionArn: execution.executionArn,
          stateMachineArn: execution.stateMachineArn,
          name: execution.name,
          status: execution.status,
          startDate: seconds(execution.startDate),
          stopDate: execution.stopDate === undefined ? undefined : seconds(execution.stopDate),
        })),
        nextToken,
      };
    },
    GetExecutionHistory: (request) => {
      const history = histories.get(String(request.executionArn));
      if (!history) throw options.missingExecution(String(request.executionArn));
      const ordered = request.reverseOrder ? [...history].reverse() : history;
      const { items, nextToken } = page(ordered, request);
      return { events: items, nextToken };
    },
  };

  return { follow, operations };
}
