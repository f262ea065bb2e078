import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import type { Role } from './roles.ts';
import { generateSecret, hashSecret, type PresentedKey, secretMatches, USER_PATTERN } from './api-keys.ts';
import type { Principal } from './principal.ts';

const keyOf = (user: string, secretHash: string) => ({ pk: `APIKEY#${user}`, sk: `KEY#${secretHash}` });

/** Looks a presented key up by its hash; `undefined` for unknown users, wrong secrets and revoked keys. */
export async function findPrincipal(key: PresentedKey): Promise<Principal | undefined> {
  const secretHash = hashSecret(key.secret);
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: config().tableName, Key: keyOf(key.user, secretHash) }),
  );
  if (!Item || Item.revoked || !secretMatches(key.secret, Item.secretHash as string)) return undefined;
  return { user: key.user, spaces: Item.spaces as string[], roles: Item.roles as Role[] };
}

/** Stores a key for `user`; returns the `user:secret` string, which is never stored or shown again. */
export async function createApiKey(
  grant: Principal,
  secret: string = generateSecret(),
): Promise<{ apiKey: string }> {
  if (!USER_PATTERN.test(grant.user)) throw new Error(`Invalid user name "${grant.user}"`);
  const secretHash = hashSecret(secret);
  await dynamo().send(
    new PutCommand({
      TableName: config().tableName,
      Item: {
        ...keyOf(grant.user, secretHash),
        type: 'ApiKey',
        user: grant.user,
        spaces: grant.spaces,
        roles: grant.roles,
        secretHash,
        createdDate: new Date().toISOString(),
      },
    }),
  );
  return { apiKey: `${grant.user}:${secret}` };
}
