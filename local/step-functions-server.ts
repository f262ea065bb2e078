import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';

type JSONValue = Parameters<StateMachine['run']>[0];
import {
  type StateMachineDefinition,
  type StateMachineName,
  stateMachines,
} from '../lambdas/workflows/tasks.ts';
import { containerModuleOf, containerTaskInput, containerTaskModules } from './container-tasks.ts';
import { runDistributedMapsLocally } from './distributed-map.ts';
import { handlerPath, lambdaContext, loadHandler } from './handler-modules.ts';
import { close, listen } from './listen.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

export const localStateMachineArn = (name: StateMachineName) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:bagvault-${name}`;

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: Status;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  abort: () => void;
  done: Promise<void>;
}

type JsonObject = Record<string, unknown>;

export type EndedExecution = Pick<Execution, 'stateMachineArn' | 'name' | 'status' | 'error' | 'cause'>;

/** Every state of a definition, including those inside Map and Parallel states. */
function* allStates(states: Record<string, JsonObject>): Generator<[string, JsonObject]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    const processor = (state.ItemProcessor ?? state.Iterator) as
      { States: Record<string, JsonObject> } | undefined;
    if (processor) yield* allStates(processor.States);
    for (const branch of (state.Branches as { States: Record<string, JsonObject> }[] | undefined) ?? []) {
      yield* allStates(branch.States);
    }
  }
}

/**
 * Loads an ASL file the way CDK deploys it: every `${Var}` replaced by a function ARN. Tasks then run
 * their handler module in-process (aws-local-stepfunctions overrides Task states by state name).
 */
/** Test hooks: run before every Task (a throw fails the Task, as a failing Lambda would). */
export interface TaskHooks {
  beforeTask?: (stateName: string, input: JSONValue) => void | Promise<void>;
  /** After the handler returned: a throw is a Lambda that did its work and died before answering. */
  afterTask?: (stateName: string, input: JSONValue) => void | Promise<void>;
  /** Sees the input of every child execution a Distributed Map starts (local/distributed-map.ts). */
  onChildExecution?: (mapState: string, input: JSONValue) => void;
  /** Retry waits to shorten, in milliseconds, by state name. */
  retryIntervalOverrides?: Record<string, number>;
}

function loadStateMachine(
  name: StateMachineName,
  runningTasks: Set<Promise<unknown>>,
  hooks: TaskHooks,
  waitTimeOverrides: Record<string, number> | undefined,
) {
  const { file, tasks, containerTasks }: StateMachineDefinition = stateMachines[name];
  let text = readFileSync(fileURLToPath(new URL(`../statemachines/${file}`, import.meta.url)), 'utf8');
  const moduleByArn = new Map<string, string>();
  for (const [variable, module] of Object.entries(tasks)) {
    const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:bagvault-${module.replace('/', '-')}`;
    text = text.replaceAll(`\${${variable}}`, arn);
    moduleByArn.set(arn, module);
  }
  const moduleByTaskDefinition = new Map<string, string>();
  for (const { variable, arn, module } of containerTaskModules(containerTasks)) {
    text = text.replaceAll(`\${${variable}}`, arn);
    moduleByTaskDefinition.set(arn, module);
  }
  const definition = JSON.parse(text) as { StartAt: string; States: Record<string, JsonObject> };
  const taskHandlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
  for (const [stateName, state] of allStates(definition.States)) {
    if (state.Type !== 'Task') continue;
    const containerModule = containerModuleOf(state, moduleByTaskDefinition);
    const module = containerModule ?? moduleByArn.get(state.Resource as string);
    if (!module) throw new Error(`${file}: Task "${stateName}" has no handler in lambdas/workflows/tasks.ts`);
    taskHandlers[stateName] = async (input) => {
      await hooks.beforeTask?.(stateName, input);
      const handler = await loadHandler(handlerPath(module));
      // Like a Lambda invocation, a task goes on after StopExecution; it is tracked so drain() can wait.
      const event = containerModule ? containerTaskInput(input) : input;
      const task = handler(event, lambdaContext(`bagvault-${module.replace('/', '-')}`));
      runningTasks.add(task);
      void task.catch(() => undefined).finally(() => runningTasks.delete(task));
      const output = (await task) as JSONValue;
      await hooks.afterTask?.(stateName, input);
      return output;
    };
  }
  const overrides = {
    taskResourceLocalHandlers: taskHandlers,
    waitTimeOverrides,
    retryIntervalOverrides: hooks.retryIntervalOverrides,
  };
  Object.assign(
    taskHandlers,
    runDistributedMapsLocally(definition, overrides, {
      onChild: (mapState, input) => hooks.onChildExecution?.(mapState, input),
    }),
  );
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  return { machine, overrides };
}

class ApiError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

export interface LocalStepFunctions {
  endpoint: string;
  executions: Map<string, Execution>;
  /** Waits for every running execution and every task still running after a stop (tests use it). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A Step Functions endpoint speaking the AWS JSON protocol for what the handlers call
 * (StartExecution, StopExecution, DescribeExecution). Executions run in this process in the
 * background, after the API handler that started them has returned, and record their results in
 * DynamoDB through the same task handlers as in AWS.
 */
export async function startStepFunctionsServer(options: {
  port: number;
  /** Wait states to shorten locally, in milliseconds (the local S3 has no cold storage to wait for). */
  waitTimeOverrides?: Record<string, number>;
  hooks?: TaskHooks;
  /**
   * Runs after an execution ends other than SUCCEEDED, as AWS's EventBridge rule on Step Functions
   * status changes does (lib/ingest-failure-rule.ts).
   */
  onExecutionEnded?: (execution: EndedExecution) => Promise<void>;
}): Promise<LocalStepFunctions> {
  const runningTasks = new Set<Promise<unknown>>();
  const machines = new Map(
    (Object.keys(stateMachines) as StateMachineName[]).map((name) => [
      localStateMachineArn(name),
      loadStateMachine(name, runningTasks, options.hooks ?? {}, options.waitTimeOverrides),
    ]),
  );
  const executions = new Map<string, Execution>();

  function startExecution(request: JsonObject) {
    const stateMachineArn = String(request.stateMachineArn);
    const loaded = machines.get(stateMachineArn);
    if (!loaded)
      throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const name = typeof request.name === 'string' ? request.name : crypto.randomUUID();
    const input = typeof request.input === 'string' ? request.input : '{}';
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = executions.get(executionArn);
    if (existing) {
      if (existing.input === input && existing.status === 'RUNNING') {
        return { executionArn, startDate: existing.startDate / 1000 };
      }
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const run = loaded.machine.run(JSON.parse(input), {
      overrides: loaded.overrides,
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          Input: JSON.parse(input),
          StartTime: new Date().toISOString(),
        },
        // Read by Tasks that hand their token to a container (they run in-process here, so unused).
        Task: { Token: `local-task-token:${name}` },
      },
    });
    const execution: Execution = {
      executionArn,
      stateMachineArn,
      name,
      input,
      status: 'RUNNING',
      startDate: Date.now(),
      abort: run.abort,
      done: Promise.resolve(),
    };
    execution.done = run.result
      .then(
        (output) => {
          if (execution.status === 'RUNNING') {
            execution.status = 'SUCCEEDED';
            execution.output = JSON.stringify(output);
          }
        },
        (error: Error & { cause?: { name?: string; message?: string } }) => {
          execution.status = 'FAILED';
          execution.error = error.cause?.name ?? error.name;
          execution.cause = error.cause?.message ?? error.message;
        },
      )
      .finally(() => {
        execution.stopDate = Date.now();
      })
      .then(async () => {
        if (execution.status === 'SUCCEEDED' || !options.onExecutionEnded) return;
        const { stateMachineArn: machineArn, name: executionName, status, error, cause } = execution;
        await options
          .onExecutionEnded({ stateMachineArn: machineArn, name: executionName, status, error, cause })
          .catch((failure: unknown) => console.error('After the end of', executionArn, failure));
      });
    executions.set(executionArn, execution);
    return { executionArn, startDate: execution.startDate / 1000 };
  }

  function findExecution(request: JsonObject): Execution {
    const execution = executions.get(String(request.executionArn));
    if (!execution)
      throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${request.executionArn}'`);
    return execution;
  }

  const operations: Record<string, (request: JsonObject) => unknown> = {
    StartExecution: startExecution,
    StopExecution: (request) => {
      const execution = findExecution(request);
      if (execution.status === 'RUNNING') {
        execution.status = 'ABORTED';
        execution.abort();
      }
      return { stopDate: Date.now() / 1000 };
    },
    DescribeExecution: (request) => {
      const execution = findExecution(request);
      return {
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startDate / 1000,
        stopDate: execution.stopDate === undefined ? undefined : execution.stopDate / 1000,
        input: execution.input,
        output: execution.output,
        error: execution.error,
        cause: execution.cause,
      };
    },
  };

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = operations[target.replace(/^AWSStepFunctions\./, '')];
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    };
    if (!operation)
      return reply(400, { __type: 'UnknownOperationException', message: `Unsupported: ${target}` });
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as JsonObject;
      reply(200, operation(body));
    } catch (error) {
      if (error instanceof ApiError) return reply(400, { __type: error.type, message: error.message });
      reply(500, { __type: 'InternalFailure', message: (error as Error).message });
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  await listen(server, options.port, 'Step Functions', 'BAGVAULT_SFN_PORT');
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    executions,
    drain: async () => {
      await Promise.all([...executions.values()].map((execution) => execution.done));
      await Promise.allSettled([...runningTasks]);
    },
    close: async () => {
      for (const execution of executions.values()) if (execution.status === 'RUNNING') execution.abort();
      await close(server);
    },
  };
}
