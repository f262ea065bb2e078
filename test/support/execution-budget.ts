/**
 * Reads an ASL definition against the AWS Step Functions limits for a given scale: the history
 * events of every execution (the parent and each kind of Distributed Map child, worst case over
 * every path, with every Retry exhausted) and the largest state payload (the definition run by
 * aws-local-stepfunctions, with Distributed Maps run as child executions by local/distributed-map.ts
 * and each Task answering what its handler answers at that scale).
 *
 * Events per state, as Step Functions writes them: a Lambda Task 5 (entered, scheduled, started,
 * succeeded, exited) and 3 more per retried attempt; Pass, Choice, Wait, Succeed 2; Fail 1; an
 * inline Map 4 plus, per item, 2 and its iteration's; a Distributed Map 6 (entered, started, Map
 * Run started and succeeded, succeeded, exited), its items running as separate executions; an
 * execution 2 (started, ended).
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { runDistributedMapsLocally } from '../../local/distributed-map.ts';

type JSONValue = Parameters<StateMachine['run']>[0];
type JsonObject = Record<string, unknown>;
interface Definition {
  StartAt: string;
  States: Record<string, JsonObject>;
}

export const HISTORY_EVENT_LIMIT = 25_000;
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

export interface Scale {
  /** Items of each inline Map or ItemsPath Distributed Map, by its ItemsPath (`$.Items`: the batch). */
  itemsAt: Record<string, number>;
  /** Items each ItemReader reads, by the Distributed Map's state name. */
  readerItems: Record<string, number>;
  /** How often a state may be entered on one path (loops); any other state at most once. */
  loopBounds: Record<string, number>;
  /** What each Task answers at this scale, by its Resource (the `${Variable}` of the ASL file). */
  taskOutputs: Record<string, JSONValue>;
  /** The execution's input. */
  input: JSONValue;
}

export interface ExecutionBudget {
  /** `parent`, or the Distributed Map states leading to the child, e.g. `Replicating › ReplicatingChunks`. */
  execution: string;
  /** How many such executions one parent execution starts. */
  count: number;
  /** Most history events one of them can have. */
  events: number;
}

function retriedAttempts(state: JsonObject): number {
  const retriers = (state.Retry as { MaxAttempts?: number }[] | undefined) ?? [];
  return retriers.reduce((total, retrier) => total + (retrier.MaxAttempts ?? 3), 0);
}

function isDistributed(state: JsonObject): boolean {
  const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
  return processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

function successors(state: JsonObject): string[] {
  const next: string[] = [];
  if (typeof state.Next === 'string') next.push(state.Next);
  for (const choice of (state.Choices as { Next: string }[] | undefined) ?? []) next.push(choice.Next);
  if (typeof state.Default === 'string') next.push(state.Default);
  for (const catcher of (state.Catch as { Next: string }[] | undefined) ?? []) next.push(catcher.Next);
  return [...new Set(next)];
}

/**
 * History events of every execution a run of `definition` at `scale` makes: by default with every
 * Retry of every Task exhausted; `{ retries: false }` for a run where nothing is retried.
 */
export function historyBudget(
  definition: Definition,
  scale: Scale,
  options: { retries?: boolean } = {},
): ExecutionBudget[] {
  const retries = options.retries ?? true;
  const executions: ExecutionBudget[] = [];

  function itemCount(state: JsonObject, name: string, batch: number | undefined): number {
    if (state.ItemReader) {
      const items = scale.readerItems[name];
      if (items === undefined) throw new Error(`No item count for the ItemReader of ${name}`);
      return items;
    }
    const path = (state.ItemsPath as string | undefined) ?? '$';
    if (path === '$.Items' && batch !== undefined) return batch;
    const items = scale.itemsAt[path];
    if (items === undefined) throw new Error(`No item count for ${name}'s ItemsPath ${path}`);
    return items;
  }

  /** Most events from `start` to the end of this execution (or branch, or iteration). */
  function longestPath(
    machine: Definition,
    lineage: string[],
    multiplier: number,
    batch: number | undefined,
  ): number {
    const memo = new Map<string, number>();
    const onPath = new Map<string, number>();
    const visit = (name: string): number => {
      const state = machine.States[name];
      if (!state) throw new Error(`No state ${name}`);
      const visits = (onPath.get(name) ?? 0) + 1;
      const bound = scale.loopBounds[name] ?? 1;
      if (visits > bound) {
        if (scale.loopBounds[name] === undefined)
          throw new Error(`Unbounded loop through ${name}: give its bound in loopBounds`);
        return Number.NEGATIVE_INFINITY;
      }
      const key = `${name}|${[...onPath].filter(([loop]) => loop in scale.loopBounds).join(',')}`;
      const known = memo.get(key);
      if (known !== undefined) return known;
      onPath.set(name, visits);
      const own = stateEvents(state, name, lineage, multiplier, batch);
      const rest = successors(state).map(visit);
      onPath.set(name, visits - 1);
      const best = own + (rest.length === 0 ? 0 : Math.max(...rest));
      memo.set(key, best);
      return best;
    };
    return visit(machine.StartAt);
  }

  function stateEvents(
    state: JsonObject,
    name: string,
    lineage: string[],
    multiplier: number,
    batch: number | undefined,
  ): number {
    switch (state.Type) {
      case 'Task':
        return 5 + (retries ? 3 * retriedAttempts(state) : 0);
      case 'Fail':
        return 1;
      case 'Parallel':
        return (
          4 +
          (state.Branches as Definition[]).reduce(
            (total, branch) => total + 2 + longestPath(branch, lineage, multiplier, batch),
            0,
          )
        );
      case 'Map': {
        const processor = (state.ItemProcessor ?? state.Iterator) as Definition;
        const items = itemCount(state, name, batch);
        if (!isDistributed(state)) {
          return 4 + items * (2 + longestPath(processor, lineage, multiplier, batch));
        }
        const batcher = state.ItemBatcher as { MaxItemsPerBatch?: number } | undefined;
        const perChild = batcher ? Math.min(batcher.MaxItemsPerBatch ?? items, items) : 1;
        const children = Math.ceil(items / perChild) * multiplier;
        const childLineage = [...lineage, name];
        const record: ExecutionBudget = { execution: childLineage.join(' › '), count: children, events: 0 };
        executions.push(record);
        record.events = 2 + longestPath(processor, childLineage, children, batcher ? perChild : undefined);
        return 6;
      }
      default:
        return 2;
    }
  }

  const parent: ExecutionBudget = { execution: 'parent', count: 1, events: 0 };
  executions.unshift(parent);
  parent.events = 2 + longestPath(definition, [], 1, undefined);
  return executions;
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));

export interface PayloadBudget {
  bytes: number;
  /** The state (and what of it) where the largest payload was seen. */
  where: string;
}

/** The final states of each Map's iterations, by Map state name. */
function mapEndStates(states: Record<string, JsonObject>, into = new Map<string, string[]>()) {
  for (const [name, state] of Object.entries(states)) {
    const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
    if (!processor) continue;
    into.set(
      name,
      Object.entries(processor.States)
        .filter(([, inner]) => inner.End === true || inner.Type === 'Succeed')
        .map(([inner]) => inner),
    );
    mapEndStates(processor.States, into);
  }
  return into;
}

/**
 * Runs the definition on its success path at `scale` and returns the largest state input, output or
 * Map result array seen, in the parent or any child execution.
 */
export async function largestPayload(
  definition: Definition,
  scale: Scale,
  context: Record<string, unknown> = {},
): Promise<PayloadBudget> {
  const copy = structuredClone(definition);
  let largest: PayloadBudget = { bytes: 0, where: 'nothing' };
  const seen = (bytes: number, where: string) => {
    if (bytes > largest.bytes) largest = { bytes, where };
  };
  const inlineMaps = new Map<string, JsonObject>();
  const walk = (states: Record<string, JsonObject>) => {
    for (const [name, state] of Object.entries(states)) {
      const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (!processor) continue;
      if (!isDistributed(state)) inlineMaps.set(name, state);
      walk(processor.States);
    }
  };
  walk(copy.States);
  const endStates = mapEndStates(copy.States);
  const iterationOutput = new Map<string, number>();

  const handlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
  const allTasks = (states: Record<string, JsonObject>) => {
    for (const [name, state] of Object.entries(states)) {
      const processor = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (processor) allTasks(processor.States);
      if (state.Type !== 'Task') continue;
      const resource = String(state.Resource).replace(/^\$\{(\w+)\}$/, '$1');
      if (!(resource in scale.taskOutputs)) throw new Error(`No output at scale for ${name} (${resource})`);
      handlers[name] = async () => structuredClone(scale.taskOutputs[resource] as JSONValue);
    }
  };
  allTasks(copy.States);
  const overrides = { taskResourceLocalHandlers: handlers };
  const logs: Promise<void>[] = [];
  const read = (events: AsyncGenerator<unknown>, execution: string) =>
    logs.push(
      (async () => {
        for await (const raw of events) {
          const event = raw as { type: string; state?: { name: string; input: unknown; output?: unknown } };
          if (!event.state) continue;
          const { name, input, output } = event.state;
          seen(bytesOf(input), `${execution}: input of ${name}`);
          if (event.type === 'StateExited') {
            seen(bytesOf(output), `${execution}: output of ${name}`);
            for (const [map, ends] of endStates)
              if (ends.includes(name))
                iterationOutput.set(map, Math.max(iterationOutput.get(map) ?? 0, bytesOf(output)));
          }
        }
      })(),
    );
  const mapHandlers = runDistributedMapsLocally(copy, overrides, {
    itemSource: async (_reader, _input, name) => {
      const count = scale.readerItems[name];
      if (count === undefined) throw new Error(`No item count for the ItemReader of ${name}`);
      return Array.from({ length: count }, (_, chunk) => ({ chunk }));
    },
    onChild: (map, _input, execution) => read(execution.eventLogs, `child of ${map}`),
  });
  for (const [name, handler] of Object.entries(mapHandlers)) {
    handlers[name] = async (input) => {
      const result = await handler(input);
      seen(bytesOf(result), `result array of ${name}`);
      return result;
    };
  }
  const machine = new StateMachine(copy as never, { validationOptions: { noValidate: true } });
  const run = machine.run(scale.input, { overrides, context });
  read(run.eventLogs, 'parent');
  await run.result;
  await Promise.all(logs);
  // An inline Map's result is the array of its iterations' outputs, whatever its ResultPath keeps.
  for (const [name, state] of inlineMaps) {
    const path = (state.ItemsPath as string | undefined) ?? '$';
    const items = scale.itemsAt[path];
    const output = iterationOutput.get(name);
    if (items === undefined || output === undefined) continue;
    seen(items * (output + 1) + 1, `result array of ${name}`);
  }
  return largest;
}
