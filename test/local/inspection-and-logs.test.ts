import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
const lines: string[] = [];
let failedIngest: { id: string; status: { id: string } };

beforeAll(async () => {
  stack = await startTestStack({ log: (line) => lines.push(line) });
  // Not gzip: the Unpacking step fails, so there is a failed Task in the history and the log.
  failedIngest = await ingestArchive(
    stack,
    { space: 'digitised', externalIdentifier: 'inspected' },
    Buffer.from('this is not a gzip archive'),
  );
});
afterAll(async () => {
  await stack?.destroy();
});

const sfn = () =>
  new SFNClient({
    endpoint: stack.stepFunctionsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

describe('the local Step Functions endpoint, inspected with the SDK', () => {
  it('lists the state machines, the runs of one, and describes and replays a failed ingest run', async () => {
    expect(failedIngest.status.id).toBe('failed');
    const { stateMachines = [] } = await sfn().send(new ListStateMachinesCommand({}));
    const ingest = stateMachines.find((machine) => machine.name === 'bagvault-ingest');
    expect(ingest?.stateMachineArn).toMatch(/:stateMachine:bagvault-ingest$/);

    const { executions = [] } = await sfn().send(
      new ListExecutionsCommand({ stateMachineArn: ingest?.stateMachineArn }),
    );
    const run = executions.find((execution) => execution.name?.includes(failedIngest.id));
    expect(run).toBeDefined();
    expect(run?.startDate).toBeInstanceOf(Date);

    const described = await sfn().send(new DescribeExecutionCommand({ executionArn: run?.executionArn }));
    expect(described.status).toBe(run?.status);

    const { events = [] } = await sfn().send(
      new GetExecutionHistoryCommand({ executionArn: run?.executionArn, maxResults: 1000 }),
    );
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    const entered = events.filter((event) => event.type === 'TaskStateEntered');
    expect(entered.map((event) => event.stateEnteredEventDetails?.name)).toContain('Unpacking');
    expect(events.some((event) => event.type === 'TaskFailed')).toBe(true);
  });

  it('pages the history with nextToken and answers ExecutionDoesNotExist for an unknown run', async () => {
    const { executions = [] } = await sfn().send(new ListExecutionsCommand({ maxResults: 1 }));
    expect(executions).toHaveLength(1);
    const executionArn = executions[0]?.executionArn;
    const first = await sfn().send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }));
    const second = await sfn().send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 2, nextToken: first.nextToken }),
    );
    expect(first.events?.map((event) => event.id)).toEqual([1, 2]);
    expect(second.events?.[0]?.id).toBe(3);
    await expect(
      sfn().send(new GetExecutionHistoryCommand({ executionArn: `${executionArn}-nope` })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});

describe('the local stack log', () => {
  it('has one JSON line per request with method, path, status, ms and user, and never the key', async () => {
    const before = lines.length;
    await stack.api('/spaces/digitised');
    await stack.api('/nowhere');
    await stack.api('/spaces', { key: 'admin:wrong-secret-value' });
    const logged = lines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = logged.filter((entry) => entry.message === 'request');
    expect(requests).toEqual([
      expect.objectContaining({ method: 'GET', path: '/spaces/digitised', status: 200, user: 'admin' }),
      expect.objectContaining({ method: 'GET', path: '/nowhere', status: 404 }),
      expect.objectContaining({ method: 'GET', path: '/spaces', status: 401 }),
    ]);
    for (const entry of requests) expect(entry.ms).toEqual(expect.any(Number));
    expect(requests[2]).not.toHaveProperty('user');
    const secret = stack.adminKey.split(':')[1] as string;
    const everything = lines.join('\n');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('wrong-secret-value');
  });

  it('logs the failed workflow step of an ingest', () => {
    const failures = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.message === 'Workflow step failed');
    expect(failures).toContainEqual(
      expect.objectContaining({ stateMachine: 'bagvault-ingest', step: 'Unpacking', level: 'ERROR' }),
    );
  });
});
