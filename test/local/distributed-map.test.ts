import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { runDistributedMapsLocally } from '../../local/distributed-map.ts';

type JSONValue = Parameters<StateMachine['run']>[0];

/** A parent whose Distributed Map reads `count` items, batches them and runs `Work` per batch. */
function definition(map: Record<string, unknown>) {
  return {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { 'Bucket.$': '$.list.bucket', 'Key.$': '$.list.key' },
        },
        ItemSelector: { 'n.$': '$$.Map.Item.Value.chunk', 'run.$': '$.run' },
        ItemBatcher: { MaxItemsPerBatch: 3, BatchInput: { 'run.$': '$.run' } },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:0:function:work', End: true } },
        },
        ResultPath: '$.results',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
        ...map,
      },
      Caught: { Type: 'Pass', End: true },
    },
  };
}

async function run(map: Record<string, unknown>, work: (input: JSONValue) => JSONValue, count = 7) {
  const asl = definition(map);
  const children: JSONValue[] = [];
  const handlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {
    Work: async (input) => work(input),
  };
  const overrides = { taskResourceLocalHandlers: handlers };
  Object.assign(
    handlers,
    runDistributedMapsLocally(asl, overrides, {
      itemSource: async () => Array.from({ length: count }, (_, chunk) => ({ chunk })),
      onChild: (_map, input) => children.push(input),
    }),
  );
  const machine = new StateMachine(asl as never, { validationOptions: { checkArn: false } });
  const output = (await machine.run({ run: 'r1', list: { bucket: 'b', key: 'k' } }, { overrides })
    .result) as {
    results?: JSONValue[];
    error?: { Error: string; Cause: string };
  };
  return { output, children };
}

describe('a Distributed Map on the local runner', () => {
  it('reads its items with the ItemReader, selects and batches them, and runs each batch as a child execution', async () => {
    const { output, children } = await run({}, (input) => (input as { Items: unknown[] }).Items.length);
    expect(children).toEqual([
      { Items: [0, 1, 2].map((n) => ({ n, run: 'r1' })), BatchInput: { run: 'r1' } },
      { Items: [3, 4, 5].map((n) => ({ n, run: 'r1' })), BatchInput: { run: 'r1' } },
      { Items: [{ n: 6, run: 'r1' }], BatchInput: { run: 'r1' } },
    ]);
    // As in AWS without a ResultWriter: the children's outputs, in item order.
    expect(output.results).toEqual([3, 3, 1]);
  });

  it('fails with States.ExceedToleratedFailureThreshold when a child fails, which the parent can catch', async () => {
    const failing = (input: JSONValue) => {
      if ((input as { Items: { n: number }[] }).Items.some((item) => item.n === 4))
        throw new Error('chunk 4 is bad');
      return null;
    };
    const { output } = await run({}, failing);
    expect(output.error).toEqual({
      Error: 'States.ExceedToleratedFailureThreshold',
      Cause: 'The specified tolerated failure threshold was exceeded',
    });
    // A tolerated failure lets the Map Run succeed.
    const tolerated = await run({ ToleratedFailureCount: 1 }, failing);
    expect(tolerated.output.error).toBeUndefined();
    expect(tolerated.output.results).toHaveLength(3);
  });
});
