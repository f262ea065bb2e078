import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { parseStored } from '../schemas/problems.ts';
import { isConditionFailure } from '../table/conditions.ts';
import {
  type CartIncarnation,
  type CartRecord,
  cartRecordSchema,
  type CartRef,
  type CartStatus,
  isLive,
  nowInSeconds,
} from './cart-record.ts';

/**
 * Carts in the one table: `CART#{user}#{cartId}` / `CART`, expiring through TTL on `expiresAt`. The
 * user is part of the key, so two users' carts of the same id are two items (cart ids have no "#",
 * so no user name and id can spell another pair's key).
 */
const keyOf = ({ user, cartId }: CartRef) => ({ pk: `CART#${user}#${cartId}`, sk: 'CART' });
const tableName = () => config().tableName;

function toRecord(item: Record<string, unknown>): CartRecord {
  const { pk: _pk, sk: _sk, kind: _kind, ...record } = item;
  return parseStored('cart', record, cartRecordSchema);
}

/** Stores a new cart; false when a live cart already has the id (an expired one is replaced). */
export async function insertCart(record: CartRecord): Promise<boolean> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...keyOf(record), kind: 'Cart', ...record },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': nowInSeconds() },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The cart, unless it does not exist or has expired (TTL deletes lazily, so expiry is checked here). */
export async function findLiveCart(cart: CartRef): Promise<CartRecord | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName(), Key: keyOf(cart), ConsistentRead: true }),
  );
  const record = Item ? toRecord(Item) : undefined;
  return record && isLive(record) ? record : undefined;
}

/** The cart as a workflow execution sees it: undefined once deleted, expired or replaced. */
export async function findCartOfExecution(cart: CartIncarnation) {
  const record = await findLiveCart(cart);
  return record?.executionName === cart.executionName ? record : undefined;
}

/** Which status each workflow step may move a cart from (retries repeat a step, so it may repeat). */
const ALLOWED_FROM: Record<CartStatus, readonly CartStatus[]> = {
  waiting: [],
  staging: ['waiting', 'staging'],
  bundling: ['staging', 'bundling'],
  ready: ['bundling'],
  error: ['waiting', 'staging', 'bundling'],
};

/**
 * Moves the cart of one execution to `status`. False when the cart is gone, expired, replaced by a new
 * incarnation or no longer in a status this step may leave: the execution then has nothing to do.
 */
export async function moveCart(
  cart: CartIncarnation,
  status: Exclude<CartStatus, 'waiting'>,
  message = '',
): Promise<boolean> {
  const from = ALLOWED_FROM[status];
  const fromValues = Object.fromEntries(from.map((value, index) => [`:from${index}`, value]));
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keyOf(cart),
        UpdateExpression: 'SET #status = :status, #message = :message, lastModifiedDate = :modified',
        ConditionExpression: `executionName = :execution AND expiresAt > :now AND #status IN (${Object.keys(fromValues).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status', '#message': 'message' },
        ExpressionAttributeValues: {
          ':status': status,
          ':message': message,
          ':modified': new Date().toISOString(),
          ':execution': cart.executionName,
          ':now': nowInSeconds(),
          ...fromValues,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** What Resolving learns of a cart: which spaces its files come from, and how many bytes they are. */
export interface ResolvedSummary {
  spaces: string[];
  fileCount: number;
  bytes: number;
}

/** Records what Resolving found; false when the cart is gone, replaced or no longer waiting. */
export async function recordResolved(cart: CartIncarnation, summary: ResolvedSummary): Promise<boolean> {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keyOf(cart),
        UpdateExpression:
          'SET #spaces = :spaces, fileCount = :count, #bytes = :bytes, lastModifiedDate = :modified',
        ConditionExpression: 'executionName = :execution AND expiresAt > :now AND #status = :waiting',
        ExpressionAttributeNames: { '#status': 'status', '#bytes': 'bytes', '#spaces': 'spaces' },
        ExpressionAttributeValues: {
          ':spaces': summary.spaces,
          ':count': summary.fileCount,
          ':bytes': summary.bytes,
          ':modified': new Date().toISOString(),
          ':execution': cart.executionName,
          ':now': nowInSeconds(),
          ':waiting': 'waiting',
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Records the execution's ARN once StartExecution has returned it (DELETE stops it by ARN). */
export async function setExecutionArn(cart: CartIncarnation, executionArn: string) {
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keyOf(cart),
        UpdateExpression: 'SET executionArn = :arn',
        ConditionExpression: 'executionName = :execution',
        ExpressionAttributeValues: { ':arn': executionArn, ':execution': cart.executionName },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Deletes one incarnation of a cart; a newer one with the same id is left alone. */
export async function removeCart(cart: CartIncarnation): Promise<void> {
  try {
    await dynamo().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: keyOf(cart),
        ConditionExpression: 'executionName = :execution',
        ExpressionAttributeValues: { ':execution': cart.executionName },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
