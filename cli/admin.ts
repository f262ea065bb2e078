/**
 * `bagvault admin create-key|list-keys|revoke-key` call the API (`POST /keys`, `GET /keys`,
 * `DELETE /keys/{user}`) with BAGVAULT_URL/BAGVAULT_KEY. `bootstrap-key` makes the first admin key
 * of a deployed stack, before any key exists, by writing the table with AWS credentials.
 */
import { apiFromEnvironment, listAll } from './api-client.ts';
import { UsageError } from './usage-error.ts';

/** Points the SDK at the local stack's DynamoDB unless a deployed table was named. */
function useLocalStackUnlessConfigured() {
  if (process.env.BAGVAULT_TABLE) return;
  process.env.BAGVAULT_TABLE = 'bagvault';
  process.env.AWS_ENDPOINT_URL_DYNAMODB ??= `http://127.0.0.1:${process.env.BAGVAULT_DYNAMODB_PORT ?? 4567}`;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
}

interface KeyOptions {
  user: string;
  spaces: string;
  roles: string;
  json?: boolean;
}

interface IssuedKey {
  user: string;
  key: string;
  spaces: string[];
  roles: string[];
}

/** Bad names and roles are usage errors (exit 2), found before anything is sent. */
async function grantOf(values: KeyOptions) {
  const { parseRoles, parseSpaces, USER_PATTERN } = await import('../lambdas/auth/api-keys.ts');
  try {
    if (!USER_PATTERN.test(values.user)) throw new Error(`Invalid user name "${values.user}"`);
    return { user: values.user, spaces: parseSpaces(values.spaces), roles: parseRoles(values.roles) };
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

function reportIssued(issued: IssuedKey, options: { json?: boolean }): number {
  if (options.json) console.log(JSON.stringify(issued));
  else console.log(issued.key);
  console.error(
    `Created a key for ${issued.user} (spaces: ${issued.spaces.join(',')}; roles: ${issued.roles.join(',')}). It is shown only once.`,
  );
  return 0;
}

export async function createKey(values: KeyOptions): Promise<number> {
  const grant = await grantOf(values);
  const issued = await apiFromEnvironment().json<IssuedKey>('/keys', { method: 'POST', body: grant });
  return reportIssued(issued, values);
}

export async function bootstrapKey(values: KeyOptions): Promise<number> {
  const grant = await grantOf(values);
  useLocalStackUnlessConfigured();
  const { issueKey } = await import('../lambdas/auth/key-admin.ts');
  return reportIssued(await issueKey(grant), values);
}

interface KeyView {
  user: string;
  spaces: string[];
  roles: string[];
  createdDate?: string;
}

export async function listKeys(options: { json?: boolean }): Promise<number> {
  const keys = await listAll<KeyView>(apiFromEnvironment(), '/keys');
  if (options.json) console.log(JSON.stringify(keys));
  else {
    for (const key of keys)
      console.log([key.user, key.spaces.join(','), key.roles.join(','), key.createdDate ?? ''].join('\t'));
  }
  return 0;
}

export async function revokeKey(user: string, options: { json?: boolean }): Promise<number> {
  const api = apiFromEnvironment();
  const answer = await api.json<Record<string, unknown>>(`/keys/${encodeURIComponent(user)}`, {
    method: 'DELETE',
  });
  if (options.json) console.log(JSON.stringify({ user, ...answer }));
  else console.log(`Revoked the key of ${user}.`);
  return 0;
}
