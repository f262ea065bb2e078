import { GetObjectCommand } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { s3 } from '../lambdas/aws-clients.ts';

/**
 * aws-local-stepfunctions runs every Map inline and ignores ItemReader, ItemBatcher and the failure
 * threshold of a Distributed Map. So that the local stack runs the same ASL files as AWS, each
 * Distributed Map is rewritten when a definition is loaded into a Task state (same InputPath,
 * ResultSelector, ResultPath, OutputPath, Retry, Catch and transitions) whose local handler does
 * what Step Functions does for a Map Run: reads the items (from the local S3 for an ItemReader),
 * applies the ItemSelector, batches them, runs each item or batch as a child execution of the
 * ItemProcessor, and fails with `States.ExceedToleratedFailureThreshold` when more children fail
 * than the threshold tolerates. Its result is the array of the children's outputs, as in AWS
 * without a ResultWriter.
 */

type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
type Overrides = NonNullable<RunOptions['overrides']>;
type JSONValue = Parameters<StateMachine['run']>[0];
type JsonObject = Record<string, unknown>;
type Handler = (input: JSONValue) => Promise<JSONValue>;

interface Definition {
  StartAt: string;
  States: Record<string, JsonObject>;
}

/** The Task a Distributed Map is run as; it never reaches AWS (validation of ARNs is off locally). */
export const LOCAL_MAP_RUN_RESOURCE = 'arn:aws:states:::local:map-run';

/** Children of one Map Run at once when the Map sets no MaxConcurrency (AWS: up to 10,000). */
const DEFAULT_LOCAL_CONCURRENCY = 40;
/** Long enough for any local Map Run; the Task state's default would be 60 s. */
const MAP_RUN_TIMEOUT_SECONDS = 2_000_000;

const KEPT_FIELDS = [
  'Comment',
  'InputPath',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'Retry',
  'Catch',
  'Next',
  'End',
] as const;

export class MapRunFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'States.ExceedToleratedFailureThreshold';
  }
}

function isDistributed(state: JsonObject): boolean {
  const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
  return state.Type === 'Map' && processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/** Evaluates a JSONPath payload template (`"x.$": "$.y"`, intrinsics) as a Pass state would. */
async function evaluate(template: unknown, input: JSONValue, context: JsonObject = {}): Promise<JSONValue> {
  const machine = new StateMachine(
    { StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } } } as never,
    { validationOptions: { noValidate: true } },
  );
  return machine.run(input, { context }).result;
}

async function readItems(reader: JsonObject, input: JSONValue): Promise<JSONValue[]> {
  const resource = reader.Resource;
  const inputType = (reader.ReaderConfig as { InputType?: string } | undefined)?.InputType;
  if (resource !== 'arn:aws:states:::s3:getObject' || inputType !== 'JSON') {
    throw new Error(`The local runner reads only JSON arrays from S3 objects (${String(resource)})`);
  }
  const { Bucket, Key } = (await evaluate(reader.Parameters, input)) as { Bucket: string; Key: string };
  const { Body } = await s3().send(new GetObjectCommand({ Bucket, Key }));
  const items = JSON.parse(await (Body as { transformToString(): Promise<string> }).transformToString());
  if (!Array.isArray(items)) throw new Error(`s3://${Bucket}/${Key} does not hold a JSON array`);
  const maxItems = (reader.ReaderConfig as { MaxItems?: number }).MaxItems;
  return maxItems ? items.slice(0, maxItems) : items;
}

/** Where an ItemReader's items come from: the local S3 unless a caller (the budget test) says otherwise. */
export type ItemSource = (reader: JsonObject, input: JSONValue, stateName: string) => Promise<JSONValue[]>;

async function itemsOf(
  name: string,
  state: JsonObject,
  input: JSONValue,
  source: ItemSource,
): Promise<JSONValue[]> {
  if (state.ItemReader) return source(state.ItemReader as JsonObject, input, name);
  const items = await evaluate({ 'items.$': (state.ItemsPath as string | undefined) ?? '$' }, input);
  const array = (items as { items: unknown }).items;
  if (!Array.isArray(array)) throw new Error('ItemsPath of a Distributed Map must point to an array');
  return array as JSONValue[];
}

/** Child inputs: each selected item, or batches `{ Items, BatchInput }` as ItemBatcher makes them. */
async function childInputs(
  name: string,
  state: JsonObject,
  input: JSONValue,
  source: ItemSource,
): Promise<JSONValue[]> {
  const items = await itemsOf(name, state, input, source);
  const selected = state.ItemSelector
    ? await Promise.all(
        items.map((value, index) =>
          evaluate(state.ItemSelector, input, { Map: { Item: { Index: index, Value: value } } }),
        ),
      )
    : items;
  const batcher = state.ItemBatcher as
    { MaxItemsPerBatch?: number; MaxInputBytesPerBatch?: number; BatchInput?: unknown } | undefined;
  if (!batcher) return selected;
  const batchInput = batcher.BatchInput === undefined ? undefined : await evaluate(batcher.BatchInput, input);
  const maxItems = batcher.MaxItemsPerBatch ?? Number.POSITIVE_INFINITY;
  const maxBytes = batcher.MaxInputBytesPerBatch ?? 256 * 1024;
  const batches: JSONValue[][] = [];
  let current: JSONValue[] = [];
  let bytes = 0;
  for (const item of selected) {
    const size = Buffer.byteLength(JSON.stringify(item));
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches.map((batch) => ({
    Items: batch,
    ...(batchInput === undefined ? {} : { BatchInput: batchInput }),
  }));
}

function toleratedFailures(state: JsonObject, children: number): number {
  const count = state.ToleratedFailureCount as number | undefined;
  const percentage = state.ToleratedFailurePercentage as number | undefined;
  const byPercentage = percentage === undefined ? 0 : Math.floor((children * percentage) / 100);
  return Math.max(count ?? 0, byPercentage);
}

/**
 * Rewrites every Distributed Map of a definition (nested ones too) in place and returns the local
 * handlers of the Task states that replace them, by state name. `overrides` is what every execution
 * of the definition runs with: children run with the same handlers, waits and retry intervals.
 */
export function runDistributedMapsLocally(
  definition: Definition,
  overrides: Overrides,
  options: {
    itemSource?: ItemSource;
    /** Sees every child execution started (the budget test reads their event logs). */
    onChild?: (mapState: string, input: JSONValue, execution: ReturnType<StateMachine['run']>) => void;
  } = {},
): Record<string, Handler> {
  const source = options.itemSource ?? ((reader, input) => readItems(reader, input));
  const handlers: Record<string, Handler> = {};

  function rewrite(states: Record<string, JsonObject>) {
    for (const [name, state] of Object.entries(states)) {
      const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (processor) rewrite(processor.States);
      for (const branch of (state.Branches as Definition[] | undefined) ?? []) rewrite(branch.States);
      if (!isDistributed(state) || !processor) continue;
      if (state.ResultWriter) throw new Error(`${name}: the local runner has no ResultWriter`);
      const { ProcessorConfig: _mode, ...childDefinition } = processor as Definition & {
        ProcessorConfig?: unknown;
      };
      const child = new StateMachine(childDefinition as never, { validationOptions: { noValidate: true } });
      handlers[name] = (input) => runMap(name, state, child, input);
      const task: JsonObject = { Type: 'Task', Resource: LOCAL_MAP_RUN_RESOURCE };
      for (const field of KEPT_FIELDS) if (state[field] !== undefined) task[field] = state[field];
      task.TimeoutSeconds = MAP_RUN_TIMEOUT_SECONDS;
      states[name] = task;
    }
  }

  async function runMap(name: string, state: JsonObject, child: StateMachine, input: JSONValue) {
    const inputs = await childInputs(name, state, input, source);
    const tolerated = toleratedFailures(state, inputs.length);
    const concurrency = (state.MaxConcurrency as number | undefined) || DEFAULT_LOCAL_CONCURRENCY;
    const outputs: JSONValue[] = new Array(inputs.length);
    const running = new Set<() => void>();
    let failures = 0;
    let next = 0;
    const runLabel = `${name}:${crypto.randomUUID()}`;
    async function worker() {
      while (next < inputs.length && failures <= tolerated) {
        const index = next++;
        const execution = child.run(inputs[index] as JSONValue, {
          overrides,
          context: {
            Execution: {
              Id: `${runLabel}:${index}`,
              Name: `${runLabel}:${index}`,
              Input: inputs[index] as JSONValue,
              StartTime: new Date().toISOString(),
            },
          },
        });
        options.onChild?.(name, inputs[index] as JSONValue, execution);
        running.add(execution.abort);
        try {
          outputs[index] = await execution.result;
        } catch {
          failures += 1;
          // As a failed Map Run stops the children still running.
          if (failures > tolerated) for (const abort of running) abort();
        } finally {
          running.delete(execution.abort);
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
    // As in AWS, the parent learns only that the threshold was exceeded, not why a child failed.
    if (failures > tolerated)
      throw new MapRunFailed('The specified tolerated failure threshold was exceeded');
    return outputs;
  }

  rewrite(definition.States);
  return handlers;
}
