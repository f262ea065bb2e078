import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { forgetClients } from '../lambdas/aws-clients.ts';
import { ENV } from '../lambdas/config.ts';
import { startDynamoDBServer } from './dynamodb-server.ts';
import { startHttpGateway } from './http-gateway.ts';
import { LOCAL_S3_CREDENTIALS, startS3Server } from './s3-server.ts';
import { removeInterruptedWrites } from './s3-repair.ts';
import { stateMachines } from '../lambdas/workflows/tasks.ts';
import { handlerPath, lambdaContext, loadHandler } from './handler-modules.ts';
import {
  type EndedExecution,
  localStateMachineArn,
  startStepFunctionsServer,
  type TaskHooks,
} from './step-functions-server.ts';
import { ensureTable } from './table.ts';

export interface LocalStackOptions {
  home: string;
  apiPort: number;
  s3Port: number;
  dynamoDBPort: number;
  stepFunctionsPort: number;
  /** `user:secret`; generated once and kept in the home directory when absent. */
  adminKey?: string;
  /** Extra settings for the handlers (any of lambdas/config.ts's variables), e.g. limits in tests. */
  settings?: Partial<Record<keyof typeof ENV, string>>;
  /** Fault injection for tests (local/step-functions-server.ts). */
  taskHooks?: TaskHooks;
}

export const LOCAL_BUCKETS = {
  uploads: 'bagvault-uploads',
  unpack: 'bagvault-unpack',
  primary: 'bagvault-primary',
  replica: 'bagvault-replica',
  bundles: 'bagvault-bundles',
};
export const LOCAL_TABLE = 'bagvault';
export const DEFAULT_SPACES = [
  { id: 'digitised', description: 'Digitised collections' },
  { id: 'born-digital', description: 'Born-digital collections' },
];

export function optionsFromEnvironment(env: NodeJS.ProcessEnv = process.env): LocalStackOptions {
  const port = (name: string, fallback: number) => {
    const value = env[name] ? Number(env[name]) : fallback;
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      throw new Error(`${name} must be a port number, got "${env[name]}"`);
    return value;
  };
  return {
    home: resolve(env.BAGVAULT_HOME ?? '.bagvault'),
    apiPort: port('BAGVAULT_PORT', 4000),
    s3Port: port('BAGVAULT_S3_PORT', 4569),
    dynamoDBPort: port('BAGVAULT_DYNAMODB_PORT', 4567),
    stepFunctionsPort: port('BAGVAULT_SFN_PORT', 4568),
    adminKey: env.BAGVAULT_ADMIN_KEY || undefined,
  };
}

/** Points the handlers (and the AWS SDK inside them) at the local servers: configuration only. */
function configureHandlers(
  options: LocalStackOptions,
  endpoints: { s3: string; dynamodb: string; sfn: string },
) {
  const settings: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SFN: endpoints.sfn,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    [ENV.tableName]: LOCAL_TABLE,
    [ENV.uploadBucket]: LOCAL_BUCKETS.uploads,
    [ENV.unpackBucket]: LOCAL_BUCKETS.unpack,
    [ENV.primaryBucket]: LOCAL_BUCKETS.primary,
    [ENV.replicas]: JSON.stringify([
      { name: 'replica', bucket: LOCAL_BUCKETS.replica, storageClass: 'STANDARD' },
    ]),
    [ENV.bundleBucket]: LOCAL_BUCKETS.bundles,
    [ENV.ingestStateMachineArn]: localStateMachineArn('ingest'),
    [ENV.cartStateMachineArn]: localStateMachineArn('cart'),
    [ENV.fixityStateMachineArn]: localStateMachineArn('fixity'),
    [ENV.deletionStateMachineArn]: localStateMachineArn('deletion'),
    [ENV.s3ForcePathStyle]: 'true',
  };
  for (const [name, value] of Object.entries(options.settings ?? {}))
    settings[ENV[name as keyof typeof ENV]] = value;
  Object.assign(process.env, settings);
  forgetClients();
}

async function adminKeyFor(options: LocalStackOptions): Promise<{ key: string; generated: boolean }> {
  if (options.adminKey) return { key: options.adminKey, generated: false };
  const file = join(options.home, 'admin-key');
  try {
    return { key: (await readFile(file, 'utf8')).trim(), generated: false };
  } catch {
    const { generateSecret } = await import('../lambdas/auth/api-keys.ts');
    const key = `admin:${generateSecret()}`;
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    return { key, generated: true };
  }
}

/** What the EventBridge rule of lib/ingest-failure-rule.ts does in AWS: the same handler, the same input. */
async function endIngestOfExecution(execution: EndedExecution): Promise<void> {
  if (execution.stateMachineArn !== localStateMachineArn('ingest')) return;
  const { EXECUTION_END_STATUSES } = await import('../lambdas/ingest-workflow/failure.ts');
  if (!EXECUTION_END_STATUSES.includes(execution.status)) return;
  const handler = await loadHandler(handlerPath(stateMachines.ingest.tasks.RecordFailureFunctionArn));
  await handler(
    {
      ingestId: execution.name,
      execution: { status: execution.status, error: execution.error ?? null, cause: execution.cause ?? null },
    },
    lambdaContext('bagvault-ingest-record-failure'),
  );
}

/**
 * The secret that authenticates list cursors: generated once into the home, readable only by its
 * owner, so cursors stay valid across restarts of the same home and mean nothing to another.
 */
async function cursorSecretFor(home: string): Promise<string> {
  const file = join(home, 'cursor-secret');
  try {
    const secret = (await readFile(file, 'utf8')).trim();
    if (secret) return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { generateSecret } = await import('../lambdas/auth/api-keys.ts');
  const secret = generateSecret();
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return secret;
}

export type LocalStack = Awaited<ReturnType<typeof startLocalStack>>;

/** The single-machine edition: real S3 and DynamoDB protocol servers, the HTTP API and the workflows. */
export async function startLocalStack(options: LocalStackOptions) {
  await mkdir(options.home, { recursive: true });
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
    stoppers.length = 0;
  };
  try {
    await removeInterruptedWrites(join(options.home, 's3'));
    const s3 = await startS3Server({
      port: options.s3Port,
      directory: join(options.home, 's3'),
      buckets: Object.values(LOCAL_BUCKETS),
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        throw new Error(
          `Port ${options.s3Port} for the local S3 is already in use. Choose another with BAGVAULT_S3_PORT=<port>.`,
        );
      }
      throw error;
    });
    stoppers.push(s3.close);
    const dynamodb = await startDynamoDBServer({
      port: options.dynamoDBPort,
      directory: join(options.home, 'dynamodb'),
    });
    stoppers.push(dynamodb.close);
    const stepFunctions = await startStepFunctionsServer({
      port: options.stepFunctionsPort,
      waitTimeOverrides: { WaitForRestores: 1000 },
      hooks: options.taskHooks,
      onExecutionEnded: endIngestOfExecution,
    });
    stoppers.push(stepFunctions.close);
    configureHandlers(options, { s3: s3.endpoint, dynamodb: dynamodb.endpoint, sfn: stepFunctions.endpoint });
    process.env[ENV.cursorSecret] = options.settings?.cursorSecret ?? (await cursorSecretFor(options.home));

    await ensureTable(new DynamoDBClient({}), LOCAL_TABLE);
    const { ensureSpace } = await import('../lambdas/spaces/space-repository.ts');
    for (const space of DEFAULT_SPACES) await ensureSpace(space.id, space.description);
    const admin = await adminKeyFor(options);
    const { createApiKey } = await import('../lambdas/auth/api-key-repository.ts');
    const [user, secret] = [
      admin.key.slice(0, admin.key.indexOf(':')),
      admin.key.slice(admin.key.indexOf(':') + 1),
    ];
    if (!user || !secret) throw new Error('BAGVAULT_ADMIN_KEY must look like user:secret');
    await createApiKey({ user, spaces: ['*'], roles: ['admin'] }, secret);
    // Workflows live in this process only: end what the last one left unfinished before taking new work.
    const { recoverInterrupted } = await import('./recover-interrupted.ts');
    const recovered = await recoverInterrupted();

    const gateway = await startHttpGateway({ port: options.apiPort });
    stoppers.push(gateway.close);
    const schedules = await import('./fixity-schedule.ts');
    stoppers.push(schedules.startFixitySchedule());
    stoppers.push(schedules.startDeletionRedrive());
    return {
      apiUrl: gateway.url,
      s3Endpoint: s3.endpoint,
      dynamoDBEndpoint: dynamodb.endpoint,
      stepFunctionsEndpoint: stepFunctions.endpoint,
      s3Credentials: LOCAL_S3_CREDENTIALS,
      buckets: LOCAL_BUCKETS,
      tableName: LOCAL_TABLE,
      adminKey: admin.key,
      home: options.home,
      recovered,
      stepFunctions,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
