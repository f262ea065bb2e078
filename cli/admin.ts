import { parseArgs } from 'node:util';

const USAGE = `Usage:
  bagvault admin create-key --user U --spaces a,b|* --roles read,ingest,...
  bagvault admin list-keys
  bagvault admin revoke-key --user U
  bagvault admin bootstrap-key --user U --spaces a,b|* --roles admin

create-key, list-keys and revoke-key call the API: set BAGVAULT_URL (the stack's ApiUrl output) and
BAGVAULT_KEY (an admin key, "user:secret"). A new key is printed once ("user:secret"); only its hash
is kept, and a new key for an existing user replaces the old one.

bootstrap-key makes the first admin key of a deployed stack, before any key exists: it writes to the
table directly with your AWS credentials (set BAGVAULT_TABLE to the stack's TableName output and
AWS_REGION). Without BAGVAULT_TABLE it writes to the local stack's DynamoDB (BAGVAULT_DYNAMODB_PORT).`;

type Options = { user?: string; spaces?: string; roles?: string };

function usageError(message: string): number {
  console.error(`${message}\n\n${USAGE}`);
  return 2;
}

/** Points the SDK at the local stack's DynamoDB unless a deployed table was named. */
function useLocalStackUnlessConfigured() {
  if (process.env.BAGVAULT_TABLE) return;
  process.env.BAGVAULT_TABLE = 'bagvault';
  process.env.AWS_ENDPOINT_URL_DYNAMODB ??= `http://127.0.0.1:${process.env.BAGVAULT_DYNAMODB_PORT ?? 4567}`;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
}

/** Calls the API as the admin named by BAGVAULT_KEY; answers the parsed JSON or throws its description. */
async function callApi(method: string, path: string, body?: unknown): Promise<unknown> {
  const url = process.env.BAGVAULT_URL;
  const key = process.env.BAGVAULT_KEY;
  if (!url || !key) throw new Error('Set BAGVAULT_URL and BAGVAULT_KEY (an admin key) to administer keys.');
  const response = await fetch(new URL(path.replace(/^\//, ''), url.endsWith('/') ? url : `${url}/`), {
    method,
    headers: { authorization: `ApiKey ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = (await response.json().catch(() => ({}))) as { description?: string };
  if (!response.ok) throw new Error(`${response.status}: ${parsed.description ?? response.statusText}`);
  return parsed;
}

async function grantOf(values: Options) {
  if (!values.user || !values.spaces || !values.roles)
    throw new Error('--user, --spaces and --roles are required.');
  const { parseRoles, parseSpaces, USER_PATTERN } = await import('../lambdas/auth/api-keys.ts');
  if (!USER_PATTERN.test(values.user)) throw new Error(`Invalid user name "${values.user}"`);
  return { user: values.user, spaces: parseSpaces(values.spaces), roles: parseRoles(values.roles) };
}

function reportIssued(issued: { user: string; key: string; spaces: string[]; roles: string[] }) {
  console.log(issued.key);
  console.error(
    `Created a key for ${issued.user} (spaces: ${issued.spaces.join(',')}; roles: ${issued.roles.join(',')}). It is shown only once.`,
  );
}

const COMMANDS: Record<string, (values: Options) => Promise<number>> = {
  'create-key': async (values) => {
    reportIssued(
      (await callApi('POST', '/keys', await grantOf(values))) as Parameters<typeof reportIssued>[0],
    );
    return 0;
  },
  'list-keys': async () => {
    let next: string | undefined;
    do {
      const page = (await callApi('GET', `/keys${next ? `?next=${encodeURIComponent(next)}` : ''}`)) as {
        results: { user: string; spaces: string[]; roles: string[]; createdDate: string }[];
        next?: string;
      };
      for (const key of page.results)
        console.log([key.user, key.spaces.join(','), key.roles.join(','), key.createdDate].join('\t'));
      next = page.next;
    } while (next);
    return 0;
  },
  'revoke-key': async (values) => {
    if (!values.user) throw new Error('--user is required.');
    await callApi('DELETE', `/keys/${encodeURIComponent(values.user)}`);
    console.error(`Revoked the key of ${values.user}.`);
    return 0;
  },
  'bootstrap-key': async (values) => {
    const grant = await grantOf(values);
    useLocalStackUnlessConfigured();
    const { issueKey } = await import('../lambdas/auth/key-admin.ts');
    reportIssued(await issueKey(grant));
    return 0;
  },
};

export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const run = command ? COMMANDS[command] : undefined;
  if (!run) return usageError(command ? `Unknown admin command "${command}".` : 'Name an admin command.');
  let values: Options;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { user: { type: 'string' }, spaces: { type: 'string' }, roles: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    return usageError((error as Error).message);
  }
  try {
    return await run(values);
  } catch (error) {
    const message = (error as Error).message;
    // Bad arguments are usage errors (2); a refusal by the API or the table is a failure (1).
    if (/required|Unknown role|Invalid user|At least one/.test(message)) return usageError(message);
    console.error(`bagvault admin ${command}: ${message}`);
    return 1;
  }
}
