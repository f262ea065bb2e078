import { parseArgs } from 'node:util';

const USAGE = `Usage: bagvault admin create-key --user U --spaces a,b|* --roles read,ingest,...

Stores a new API key and prints it once ("user:secret"); only its hash is kept.
Against the local stack by default (BAGVAULT_DYNAMODB_PORT, table "bagvault");
for a deployed stack set BAGVAULT_TABLE to its table name and use your AWS credentials.`;

/** Points the SDK at the local stack's DynamoDB unless a deployed table was named. */
function useLocalStackUnlessConfigured() {
  if (process.env.BAGVAULT_TABLE) return;
  process.env.BAGVAULT_TABLE = 'bagvault';
  process.env.AWS_ENDPOINT_URL_DYNAMODB ??= `http://127.0.0.1:${process.env.BAGVAULT_DYNAMODB_PORT ?? 4567}`;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
}

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'create-key') {
    console.error(USAGE);
    return 2;
  }
  let values: { user?: string; spaces?: string; roles?: string };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { user: { type: 'string' }, spaces: { type: 'string' }, roles: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!values.user || !values.spaces || !values.roles) {
    console.error(`--user, --spaces and --roles are required.\n\n${USAGE}`);
    return 2;
  }
  const { parseRoles, parseSpaces, USER_PATTERN } = await import('../lambdas/auth/api-keys.ts');
  let grant;
  try {
    if (!USER_PATTERN.test(values.user)) throw new Error(`Invalid user name "${values.user}"`);
    grant = { user: values.user, spaces: parseSpaces(values.spaces), roles: parseRoles(values.roles) };
  } catch (error) {
    console.error((error as Error).message);
    return 2;
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
    console.error(`Could not store the key: ${(error as Error).message}`);
    return 1;
  }
}
