/**
 * `bagvault admin create-key|list-keys|revoke-key`. create-key writes the key table directly (until
 * `POST /keys` exists, issue 10); list-keys and revoke-key use `GET /keys` and `DELETE /keys/{user}`.
 */
import { apiFromEnvironment } from './api-client.ts';
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

export async function createKey(values: { user: string; spaces: string; roles: string }): Promise<number> {
  const { parseRoles, parseSpaces, USER_PATTERN } = await import('../lambdas/auth/api-keys.ts');
  let grant;
  try {
    if (!USER_PATTERN.test(values.user)) throw new Error(`Invalid user name "${values.user}"`);
    grant = { user: values.user, spaces: parseSpaces(values.spaces), roles: parseRoles(values.roles) };
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  useLocalStackUnlessConfigured();
  const { createApiKey } = await import('../lambdas/auth/api-key-repository.ts');
  try {
    const { apiKey } = await createApiKey(grant);
    console.log(apiKey);
    console.error(
      `Created a key for ${grant.user} (spaces: ${grant.spaces.join(',')}; roles: ${grant.roles.join(',')}). It is shown only once.`,
    );
    return 0;
  } catch (error) {
    throw new Error(`Could not store the key: ${(error as Error).message}`, { cause: error });
  }
}

interface KeyView {
  user: string;
  spaces: string[];
  roles: string[];
  createdDate?: string;
}

export async function listKeys(options: { json?: boolean }): Promise<number> {
  const api = apiFromEnvironment();
  const keys: KeyView[] = [];
  let next: string | undefined;
  do {
    const page = await api.json<{ results: KeyView[]; next?: string }>(
      next ? `/keys?next=${encodeURIComponent(next)}` : '/keys',
    );
    keys.push(...page.results);
    next = page.next;
  } while (next);
  if (options.json) console.log(JSON.stringify(keys));
  else {
    for (const key of keys) {
      console.log(
        `${key.user}  spaces: ${key.spaces.join(',')}  roles: ${key.roles.join(',')}  ${key.createdDate ?? ''}`.trim(),
      );
    }
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
