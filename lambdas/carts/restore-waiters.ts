import { BatchWriteCommand, DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { queryPages } from '../table/query-pages.ts';
import type { CartIncarnation } from './cart-record.ts';
import { nowInSeconds } from './cart-record.ts';

/**
 * Carts waiting for restores from cold storage, and what S3 tells us when one finishes
 * (s3:ObjectRestore:Completed through EventBridge). Staging records one waiter item per object it
 * waits for (`RESTORE#{bucket}#{key}` / `CART#{executionName}`) and the count on the cart item; each
 * completion removes that object's waiters and counts the carts' pending restores down. The cart's
 * workflow then only reads its count between waits, instead of looking at every file again; it looks
 * at every file once more when the count reaches zero, so a lost or early event can delay a cart but
 * never start its bundle early.
 */
export interface AwaitedObject {
  bucket: string;
  key: string;
}

const tableName = () => config().tableName;
const cartKey = ({ user, cartId }: CartIncarnation) => ({ pk: `CART#${user}#${cartId}`, sk: 'CART' });
// Bucket names have no "#": the key after the second one is the object key, whatever it holds.
const waiterPk = ({ bucket, key }: AwaitedObject) => `RESTORE#${bucket}#${key}`;
const waiterSk = (cart: CartIncarnation) => `CART#${cart.executionName}`;

const BATCH = 25;
const UPDATES_IN_FLIGHT = 16;

async function batchWrite(requests: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH) {
    let pending = requests.slice(start, start + BATCH);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed restore waiters');
      const result = await dynamo().send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending } }));
      pending = (result.UnprocessedItems?.[tableName()] ?? []) as typeof pending;
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

/**
 * Records that the cart waits for these objects: the count first, then the waiters, so a completion
 * can never count below what is really pending (one arriving before its waiter is only missed, and
 * the final look at every file catches it). False when the cart is gone or replaced.
 */
export async function awaitRestores(
  cart: CartIncarnation,
  objects: readonly AwaitedObject[],
  expiresAt: number,
): Promise<boolean> {
  const distinct = [...new Map(objects.map((object) => [waiterPk(object), object])).values()];
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: cartKey(cart),
        UpdateExpression: 'SET restoresPending = :count, restoresStagedAt = :now',
        ConditionExpression: 'executionName = :execution AND expiresAt > :epoch',
        ExpressionAttributeValues: {
          ':count': distinct.length,
          ':now': new Date().toISOString(),
          ':execution': cart.executionName,
          ':epoch': nowInSeconds(),
        },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  await batchWrite(
    distinct.map((object) => ({
      PutRequest: {
        Item: {
          pk: waiterPk(object),
          sk: waiterSk(cart),
          kind: 'CartRestoreWaiter',
          user: cart.user,
          cartId: cart.cartId,
          executionName: cart.executionName,
          // Gone with the cart (the table's TTL attribute).
          expiresAt,
        },
      },
    })),
  );
  return true;
}

/** The carts waiting for this object, all pages. */
async function waitersOf(object: AwaitedObject): Promise<CartIncarnation[]> {
  const waiters: CartIncarnation[] = [];
  const pages = queryPages({
    TableName: tableName(),
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': waiterPk(object) },
  });
  for await (const page of pages)
    for (const item of page.Items ?? [])
      waiters.push({
        user: item.user as string,
        cartId: item.cartId as string,
        executionName: item.executionName as string,
      });
  return waiters;
}

/**
 * One object's restore finished: each cart waiting for it has one pending restore less. EventBridge
 * may deliver an event twice: only the call that removes a waiter counts its cart down. Returns the
 * carts counted down.
 */
export async function restoreCompleted(object: AwaitedObject): Promise<number> {
  const waiters = await waitersOf(object);
  const counted = await mapConcurrently(waiters, UPDATES_IN_FLIGHT, async (cart) => {
    const { Attributes } = await dynamo().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: { pk: waiterPk(object), sk: waiterSk(cart) },
        ReturnValues: 'ALL_OLD',
      }),
    );
    if (!Attributes) return false;
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: cartKey(cart),
          UpdateExpression: 'ADD restoresPending :minusOne',
          ConditionExpression: 'executionName = :execution AND restoresPending > :zero',
          ExpressionAttributeValues: { ':minusOne': -1, ':execution': cart.executionName, ':zero': 0 },
        }),
      );
      return true;
    } catch (error) {
      // The cart is gone, replaced, or staged again since (its count was set afresh).
      if (isConditionFailure(error)) return false;
      throw error;
    }
  });
  return counted.filter(Boolean).length;
}
