import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { formatBytes } from '../ingests/ingest.ts';
import { parseStored } from '../schemas/problems.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { RefusalError } from '../workflows/task-errors.ts';

/**
 * A space's quota as reservations on the space item itself (SPEC §5.6):
 * - `reserved`: bytes held by running ingests, so `used + reserved` never passes `quota`;
 * - `reservations.{ingestId}`: each running ingest's share, so reserving, releasing and settling
 *   are each one conditional write on one item (DynamoDB has no arithmetic in conditions, and the
 *   local DynamoDB has no transactions) and a retried call never counts twice.
 */
const keyOf = (space: string) => ({ pk: `SPACE#${space}`, sk: 'SPACE' });
const tableName = () => config().tableName;

/** The quota fields of the space item (the rest of it is the space's: space-repository.ts). */
const quotaStateSchema = z.object({
  quota: z
    .number()
    .nullish()
    .transform((quota) => quota ?? null),
  used: z.number().default(0),
  reserved: z.number().default(0),
  reservations: z.record(z.string(), z.number()).optional(),
});
type SpaceQuotaState = z.output<typeof quotaStateSchema>;

async function readState(space: string): Promise<SpaceQuotaState> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keyOf(space), ConsistentRead: true }),
  );
  if (!Item) throw new Error(`Space ${space} does not exist`);
  return parseStored('space quota state', Item, quotaStateSchema);
}

/** `space digitised has 1.2 GB left of its 10 GB quota; this bag needs 3.4 GB` */
export function overQuotaMessage(space: string, state: SpaceQuotaState, need: number): string {
  const left = Math.max(0, (state.quota ?? 0) - state.used - state.reserved);
  return `space ${space} has ${formatBytes(left)} left of its ${formatBytes(state.quota ?? 0)} quota; this bag needs ${formatBytes(need)}`;
}

/** A nested `reservations.#ingest` path needs its map to exist first. */
async function ensureReservationMap(space: string): Promise<void> {
  await dynamo().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keyOf(space),
      UpdateExpression: 'SET reservations = if_not_exists(reservations, :empty)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':empty': {} },
    }),
  );
}

/**
 * Checks and reserves `need` bytes for an ingest in one conditional write: the write succeeds only
 * while `used` is what was read and `reserved` is still small enough, so two concurrent ingests can
 * never both take the last bytes. A space without a quota still records the reservation (a quota set
 * later then counts it). Idempotent per ingest. Refuses with the SPEC's message.
 */
export async function reserveQuota(space: string, ingestId: string, need: number): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const state = await readState(space);
    if (state.reservations?.[ingestId] !== undefined) return;
    if (!state.reservations) {
      await ensureReservationMap(space);
      continue;
    }
    const names = { '#reservations': 'reservations', '#ingest': ingestId };
    const unlimited = state.quota === null;
    const maxReserved = unlimited ? 0 : (state.quota as number) - state.used - need;
    if (!unlimited && maxReserved < state.reserved)
      throw new RefusalError(overQuotaMessage(space, state, need));
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keyOf(space),
          UpdateExpression: 'SET #reservations.#ingest = :need ADD reserved :need',
          ConditionExpression: unlimited
            ? 'attribute_not_exists(#reservations.#ingest) AND (attribute_not_exists(quota) OR attribute_type(quota, :null))'
            : 'attribute_not_exists(#reservations.#ingest) AND quota = :quota AND used = :used AND (attribute_not_exists(reserved) OR reserved <= :maxReserved)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: unlimited
            ? { ':need': need, ':null': 'NULL' }
            : { ':need': need, ':quota': state.quota, ':used': state.used, ':maxReserved': maxReserved },
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Lost a race (another reservation, a registration, a quota change): read again and decide anew.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
    }
  }
  throw new Error(`Could not reserve quota in space ${space}: too much contention`);
}

/** Removes the ingest's reservation, once; with `used` the bytes move to the space's stored total. */
async function settle(space: string, ingestId: string, stored?: { newBag: boolean }): Promise<boolean> {
  const state = await readState(space);
  const bytes = state.reservations?.[ingestId];
  if (bytes === undefined) return false;
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keyOf(space),
        UpdateExpression: stored
          ? 'REMOVE #reservations.#ingest ADD reserved :minus, used :bytes, bagCount :bags'
          : 'REMOVE #reservations.#ingest ADD reserved :minus',
        ConditionExpression: '#reservations.#ingest = :bytes',
        ExpressionAttributeNames: { '#reservations': 'reservations', '#ingest': ingestId },
        ExpressionAttributeValues: {
          ':minus': -bytes,
          ...(stored ? { ':bytes': bytes, ':bags': stored.newBag ? 1 : 0 } : { ':bytes': bytes }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** A failed or cancelled ingest gives its reservation back (a retried release changes nothing). */
export async function releaseQuota(space: string, ingestId: string): Promise<boolean> {
  return settle(space, ingestId);
}

/** Register turns the reservation into stored bytes, once (a retried Register changes nothing). */
export async function commitQuota(space: string, ingestId: string, newBag: boolean): Promise<boolean> {
  return settle(space, ingestId, { newBag });
}
