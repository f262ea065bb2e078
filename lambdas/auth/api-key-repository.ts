import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { NotFound } from '../errors.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { queryPage } from '../table/query-page.ts';
import { type KeyGrant, keyGrantSchema, keyRecordSchema } from './key-schema.ts';
import { parseStored } from '../schemas/problems.ts';
import { generateSecret, hashSecret, type PresentedKey, secretMatches, USER_PATTERN } from './api-keys.ts';
import type { Principal } from './principal.ts';

/**
 * One key per user, at `APIKEY#{user}`: a new key replaces the old one in the same write, and
 * revoking deletes the item, so the very next request with the old secret finds nothing (the
 * authorizer reads the table on every request; nothing caches a decision).
 */
const keyOf = (user: string) => ({ pk: `APIKEY#${user}`, sk: 'KEY' });
const LIST_PARTITION = 'APIKEYS';

/** What `GET /keys` shows of a key: never its secret or its hash. */
export type ApiKeyGrant = KeyGrant;

/** Looks a presented key up; `undefined` for unknown users, wrong secrets and revoked keys. */
export async function findPrincipal(key: PresentedKey): Promise<Principal | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: config().tableName, Key: keyOf(key.user), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const record = parseStored('API key', Item, keyRecordSchema);
  if (!secretMatches(key.secret, record.secretHash)) return undefined;
  return { user: key.user, spaces: record.spaces, roles: record.roles };
}

/**
 * Stores a key for `user`, replacing any key they had; returns the `user:secret` string, which is
 * never stored or shown again.
 */
export async function createApiKey(
  grant: Principal,
  secret: string = generateSecret(),
): Promise<{ apiKey: string; createdDate: string }> {
  if (!USER_PATTERN.test(grant.user)) throw new Error(`Invalid user name "${grant.user}"`);
  const createdDate = new Date().toISOString();
  await dynamo().send(
    new PutCommand({
      TableName: config().tableName,
      Item: {
        ...keyOf(grant.user),
        gsi1pk: LIST_PARTITION,
        gsi1sk: grant.user,
        type: 'ApiKey',
        user: grant.user,
        spaces: grant.spaces,
        roles: grant.roles,
        secretHash: hashSecret(secret),
        createdDate,
      },
    }),
  );
  return { apiKey: `${grant.user}:${secret}`, createdDate };
}

export async function listApiKeys(limit: number, cursor: string | undefined, caller: string) {
  const page = await queryPage({
    binding: ['keys', caller],
    index: 'list',
    partition: LIST_PARTITION,
    limit,
    cursor,
  });
  const keys: ApiKeyGrant[] = page.items.map((item) => parseStored('API key', item, keyGrantSchema));
  return { keys, next: page.next };
}

/** Deletes the user's key; a user without one is a NotFound. */
export async function revokeApiKey(user: string): Promise<void> {
  if (!USER_PATTERN.test(user)) throw new NotFound(`No API key found for user ${user.slice(0, 128)}`);
  try {
    await dynamo().send(
      new DeleteCommand({
        TableName: config().tableName,
        Key: keyOf(user),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new NotFound(`No API key found for user ${user}`);
    throw error;
  }
}
