import { BatchWriteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { bagPartition } from '../bags/bag-registry.ts';
import { config } from '../config.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { type Finding, findingSchema, type FixityRun, fixityRunSchema } from './fixity-schema.ts';
import { parseStored } from '../schemas/problems.ts';
import { queryPage } from '../table/query-page.ts';
import { queryPages } from '../table/query-pages.ts';

/**
 * Fixity runs in the one table. A run lives in its bag's partition (`FIXITYRUN#{date}#{id}`, so a
 * bag's runs list newest first with one query), reached by id through `FIXITY#{id}` / `RUN`; its
 * findings are items of their own under `FIXITY#{id}` (`FINDING#…`, one per copy, so a report of any
 * size never meets the 400 KB item limit), and each checked chunk leaves a `CHUNK#n` marker so a
 * retried chunk is counted once. While running, the run is listed in gsi1 under `FIXITY-RUNNING`
 * (the schedule's cap on concurrent runs counts them).
 */
export type { Finding, FindingKind, FixityRun, FixityStatus } from './fixity-schema.ts';

const RUNNING_LIST = 'FIXITY-RUNNING';
const tableName = () => config().tableName;
const runPartition = (id: string) => `FIXITY#${id}`;
const runSortKey = (run: Pick<FixityRun, 'createdDate' | 'id'>) => `FIXITYRUN#${run.createdDate}#${run.id}`;

export async function createRun(run: FixityRun): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        pk: runPartition(run.id),
        sk: 'RUN',
        space: run.space,
        externalIdentifier: run.externalIdentifier,
        runSk: runSortKey(run),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  await dynamo().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        pk: bagPartition(run.space, run.externalIdentifier),
        sk: runSortKey(run),
        gsi1pk: RUNNING_LIST,
        gsi1sk: `${run.createdDate}#${run.id}`,
        kind: 'FixityRun',
        ...run,
      },
    }),
  );
}

async function runKey(id: string): Promise<{ pk: string; sk: string } | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: { pk: runPartition(id), sk: 'RUN' } }),
  );
  if (!Item) return undefined;
  return {
    pk: bagPartition(Item.space as string, Item.externalIdentifier as string),
    sk: Item.runSk as string,
  };
}

function toRun(item: Record<string, unknown>): FixityRun {
  return parseStored('fixity run', item, fixityRunSchema);
}

export async function getRun(id: string): Promise<FixityRun | undefined> {
  const key = await runKey(id);
  if (!key) return undefined;
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
  );
  return Item ? toRun(Item) : undefined;
}

export async function setRunTotals(id: string, totals: { filesTotal: number; locations: string[] }) {
  const key = await runKey(id);
  if (!key) throw new Error(`No fixity run ${id}`);
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key,
      UpdateExpression: 'SET filesTotal = :files, locations = :locations',
      ExpressionAttributeValues: { ':files': totals.filesTotal, ':locations': totals.locations },
    }),
  );
}

/** Counts a checked chunk into the run's progress, once however often the chunk is retried. */
export async function recordChunkChecked(id: string, chunk: number, files: number): Promise<void> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { pk: runPartition(id), sk: `CHUNK#${String(chunk).padStart(6, '0')}` },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return;
    throw error;
  }
  const key = await runKey(id);
  if (!key) return;
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: key,
      UpdateExpression: 'ADD filesChecked :n',
      ExpressionAttributeValues: { ':n': files },
    }),
  );
}

/** Ends a run once: a second end (a retried step, or the failure path after the finish) changes nothing. */
export async function finishRun(
  id: string,
  outcome: { status: 'finished' | 'failed'; success: boolean; message: string; finishedDate: string },
): Promise<boolean> {
  const key = await runKey(id);
  if (!key) throw new Error(`No fixity run ${id}`);
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression:
          'SET #status = :status, success = :success, message = :message, finishedDate = :date REMOVE gsi1pk, gsi1sk',
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': outcome.status,
          ':success': outcome.success,
          ':message': outcome.message,
          ':date': outcome.finishedDate,
          ':running': 'running',
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Findings are keyed by kind, location and path: writing one twice (a retried chunk) keeps one. */
export async function putFindings(id: string, findings: readonly Finding[]): Promise<void> {
  for (let start = 0; start < findings.length; start += 25) {
    let requests = findings.slice(start, start + 25).map((finding) => ({
      PutRequest: {
        Item: {
          pk: runPartition(id),
          sk: `FINDING#${finding.kind}#${finding.location}#${finding.path}`,
          ...finding,
        },
      },
    }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed fixity findings');
      const result = await dynamo().send(
        new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }),
      );
      requests = (result.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
      if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

/** A run's findings, page by page (memory bounded by the page, not the run). */
export async function* findingsOf(id: string): AsyncGenerator<Finding> {
  const pages = queryPages({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :finding)',
    ExpressionAttributeValues: { ':pk': runPartition(id), ':finding': 'FINDING#' },
    ConsistentRead: true,
  });
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      yield parseStored('fixity finding', item, findingSchema);
    }
  }
}

/** One page of a bag's runs, newest first; cursors are bound to the caller and this list. */
export async function bagRunsPage(
  space: string,
  externalIdentifier: string,
  page: { limit: number; cursor: string | undefined; caller: string },
) {
  const result = await queryPage({
    binding: ['fixity-runs', page.caller],
    partition: bagPartition(space, externalIdentifier),
    sortKeyPrefix: 'FIXITYRUN#',
    newestFirst: true,
    limit: page.limit,
    cursor: page.cursor,
  });
  return { runs: result.items.map(toRun), next: result.next };
}

/** The runs in flight (the schedule's cap counts them; the sweep ends those whose workflow died). */
export async function runningRuns(): Promise<FixityRun[]> {
  const runs: FixityRun[] = [];
  const pages = queryPages({
    TableName: tableName(),
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': RUNNING_LIST },
  });
  for await (const page of pages) runs.push(...(page.Items ?? []).map(toRun));
  return runs;
}
