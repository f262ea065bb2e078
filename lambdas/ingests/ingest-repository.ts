import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { listingOf, listShardedIngests } from './ingest-list.ts';
import type { Ingest, IngestStatus } from './ingest.ts';

/**
 * Ingest records. The item holds the API shape plus workflow bookkeeping: `currentStep` (for failure
 * events and the cancel rule), `eventKeys` (so a retried step never records an event twice) and the
 * replication counters of ingest-workflow/progress.ts (whose per-chunk markers are items of their own).
 * Items are listed per space in one of LIST_SHARDS partitions (ingest-list.ts).
 */
const keyOf = (id: string) => ({ pk: `INGEST#${id}`, sk: 'INGEST' });
const BOOKKEEPING = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'currentStep',
  'eventKeys',
  'chunksDone',
  'countingChunks',
  'progressPhase',
  'progressLocations',
  'replicated',
  'executionArn',
  'kind',
];

export interface IngestRecord extends Ingest {
  currentStep?: string;
  executionArn?: string;
}

export class ConditionFailed extends Error {}

function toRecord(item: Record<string, unknown>): IngestRecord {
  return item as unknown as IngestRecord;
}

/**
 * The API's view: no bookkeeping attributes. While replicating, progress counts the bag once: what
 * every location has received together, divided by the number of locations.
 */
export function toApiIngest(record: IngestRecord): Ingest {
  const copy: Record<string, unknown> = { ...record };
  for (const name of BOOKKEEPING) delete copy[name];
  const item = record as unknown as Record<string, unknown>;
  const replicated = item.replicated as { bytes?: number; files?: number } | undefined;
  const locations = Number(item.progressLocations) || 1;
  if (item.progressPhase === 'replicating' && replicated) {
    const { bytesTotal, filesTotal } = record.progress;
    copy.progress = {
      bytesTotal,
      bytesDone: Math.min(bytesTotal, Math.floor((replicated.bytes ?? 0) / locations)),
      filesTotal,
      filesDone: Math.min(filesTotal, Math.floor((replicated.files ?? 0) / locations)),
    };
  }
  return copy as unknown as Ingest;
}

export async function putNewIngest(ingest: Ingest): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: config().tableName,
      Item: {
        ...keyOf(ingest.id),
        ...listingOf(ingest),
        kind: 'Ingest',
        ...ingest,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

export async function getIngest(id: string): Promise<IngestRecord | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: config().tableName, Key: keyOf(id), ConsistentRead: true }),
  );
  return Item ? toRecord(Item) : undefined;
}

export async function requireIngest(id: string): Promise<IngestRecord> {
  const ingest = await getIngest(id);
  if (!ingest) throw new Error(`Ingest ${id} does not exist`);
  return ingest;
}

/** Newest first; `status` filters before the page is cut. The cursor is bound to space, status and caller. */
export async function listIngests(
  space: string,
  status: IngestStatus | undefined,
  limit: number,
  cursor: string | undefined,
  caller: string,
) {
  const page = await listShardedIngests(space, status, limit, cursor, caller);
  return { ingests: page.items.map(toRecord), next: page.next };
}

/**
 * Appends an event once: `key` names it (e.g. "Unpacking#started"), and a retried step that records
 * the same key again changes nothing. The first event moves the status from accepted to processing.
 */
export async function recordEvent(
  id: string,
  key: string,
  description: string,
  changes: { currentStep?: string; status?: IngestStatus; onlyFrom?: IngestStatus[] } = {},
): Promise<boolean> {
  const now = new Date().toISOString();
  const names: Record<string, string> = { '#status': 'status', '#id': 'id' };
  const values: Record<string, unknown> = {
    ':event': [{ type: 'IngestEvent', description, createdDate: now }],
    ':key': new Set([key]),
    ':keyValue': key,
    ':now': now,
  };
  const sets = ['events = list_append(events, :event)', 'lastModifiedDate = :now'];
  if (changes.currentStep) {
    sets.push('currentStep = :step');
    values[':step'] = changes.currentStep;
  }
  if (changes.status) {
    sets.push('#status.#id = :newStatus');
    values[':newStatus'] = changes.status;
  }
  // A status change and its event are one write, so no reader sees the status without its reason.
  const from = (changes.onlyFrom ?? []).map((status, index) => {
    values[`:from${index}`] = status;
    return `:from${index}`;
  });
  const statusCondition = from.length > 0 ? ` AND #status.#id IN (${from.join(', ')})` : '';
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: keyOf(id),
        UpdateExpression: `SET ${sets.join(', ')} ADD eventKeys :key`,
        ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(eventKeys) OR NOT contains(eventKeys, :keyValue))${statusCondition}`,
        ExpressionAttributeNames: changes.status || from.length > 0 ? names : undefined,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  if (!changes.status) await markProcessing(id);
  return true;
}

/** accepted → processing, once; never backwards. */
async function markProcessing(id: string): Promise<void> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: keyOf(id),
        UpdateExpression: 'SET #status.#id = :processing',
        ConditionExpression: '#status.#id = :accepted',
        ExpressionAttributeNames: { '#status': 'status', '#id': 'id' },
        ExpressionAttributeValues: { ':processing': 'processing', ':accepted': 'accepted' },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * A general conditional update of one ingest; throws ConditionFailed when `condition` is false.
 * Keeps every status rule (forward only, cancel window) in the callers' conditions.
 */
export async function updateIngest(
  id: string,
  update: {
    set: Record<string, unknown>;
    add?: Record<string, unknown>;
    /** Elements to take out of sets. */
    remove?: Record<string, unknown>;
    condition?: string;
    values?: Record<string, unknown>;
  },
): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ...(update.values ?? {}) };
  const assignments: string[] = [];
  let index = 0;
  const pathOf = (path: string) =>
    path
      .split('.')
      .map((part) => {
        const name = `#n${Object.keys(names).length}`;
        names[name] = part;
        return name;
      })
      .join('.');
  for (const [path, value] of Object.entries({ ...update.set, lastModifiedDate: new Date().toISOString() })) {
    values[`:v${index}`] = value;
    assignments.push(`${pathOf(path)} = :v${index++}`);
  }
  const additions = Object.entries(update.add ?? {}).map(([path, value]) => {
    values[`:v${index}`] = value;
    return `${pathOf(path)} :v${index++}`;
  });
  const removals = Object.entries(update.remove ?? {}).map(([path, value]) => {
    values[`:v${index}`] = value;
    return `${pathOf(path)} :v${index++}`;
  });
  let condition = update.condition ?? 'attribute_exists(pk)';
  condition = condition.replace(/#([A-Za-z]+)/g, (_match, name: string) => {
    const placeholder = `#c_${name}`;
    names[placeholder] = name;
    return placeholder;
  });
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: config().tableName,
        Key: keyOf(id),
        UpdateExpression: `SET ${assignments.join(', ')}${additions.length ? ` ADD ${additions.join(', ')}` : ''}${removals.length ? ` DELETE ${removals.join(', ')}` : ''}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (isConditionFailure(error))
      throw new ConditionFailed(`Ingest ${id}: condition not met (${update.condition})`);
    throw error;
  }
}
