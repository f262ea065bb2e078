import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { forgetClients } from '../lambdas/aws-clients.ts';
import { ENV } from '../lambdas/config.ts';
import { startDynamoDBServer } from './dynamodb-server.ts';
import { startHttpGateway } from './http-gateway.ts';
import { startHttpGatewayThread } from './http-gateway-thread.ts';
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
import { ensureBuckets } from './buckets.ts';
import type { ServerThread } from './server-thread.ts';

/** An S3- or DynamoDB-compatible service the stack uses instead of starting its own (SPEC §2). */
export interface ExternalEndpoint {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

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
  /** Where the stack logs each API request and each failed workflow step, one JSON line each. */
  log?: (line: string) => void;
  /** Use this S3-compatible service instead of the embedded s3rver. */
  s3?: ExternalEndpoint;
  /** Use this DynamoDB-compatible service instead of the embedded dynalite. */
  dynamodb?: ExternalEndpoint;
  /**
   * End the ingests and carts the table marks as running when the stack starts (default: true with the
   * embedded DynamoDB; with an external one only when set, since other stacks may be running them).
   */
  recoverInterrupted?: boolean;
  /**
   * The HTTP API in its own thread (default), answering while ingests keep the workflows busy; false
   * runs it on the workflows' thread, where tests can inject faults into the clients its handlers use.
   */
  apiThread?: boolean;
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
  const external = (service: 'S3' | 'DYNAMODB'): ExternalEndpoint | undefined => {
    const endpoint = env[`BAGVAULT_${service}_ENDPOINT`];
    if (!endpoint) return undefined;
    if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol))
      throw new Error(`BAGVAULT_${service}_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
    const accessKeyId = env[`BAGVAULT_${service}_ACCESS_KEY_ID`];
    const secretAccessKey = env[`BAGVAULT_${service}_SECRET_ACCESS_KEY`];
    if (!accessKeyId || !secretAccessKey)
      throw new Error(
        `BAGVAULT_${service}_ENDPOINT needs BAGVAULT_${service}_ACCESS_KEY_ID and BAGVAULT_${service}_SECRET_ACCESS_KEY`,
      );
    return { endpoint: endpoint.replace(/\/+$/, ''), credentials: { accessKeyId, secretAccessKey } };
  };
  const recover = env.BAGVAULT_RECOVER_INTERRUPTED;
  return {
    s3: external('S3'),
    dynamodb: external('DYNAMODB'),
    recoverInterrupted: recover === undefined || recover === '' ? undefined : recover === 'true',
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
  const s3Credentials = options.s3?.credentials ?? LOCAL_S3_CREDENTIALS;
  const dynamoDBCredentials = options.dynamodb?.credentials ?? LOCAL_S3_CREDENTIALS;
  const settings: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: s3Credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3Credentials.secretAccessKey,
    [ENV.dynamoDBAccessKeyId]: dynamoDBCredentials.accessKeyId,
    [ENV.dynamoDBSecretAccessKey]: dynamoDBCredentials.secretAccessKey,
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
    const threads: ServerThread[] = [];
    let reportFailure: (error: Error) => void = () => undefined;
    const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
    // One server dying takes the whole stack down cleanly rather than leaving it half alive.
    const adopt = (thread: ServerThread) => {
      threads.push(thread);
      stoppers.push(thread.close);
      void thread.failed.then(async (error) => {
        console.error(`${error.message}: stopping the local stack.`);
        await stop();
        reportFailure(error);
      });
    };
    let s3Endpoint: string;
    if (!options.s3) {
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
      adopt(s3);
      s3Endpoint = s3.endpoint;
    } else {
      s3Endpoint = options.s3.endpoint;
      const client = new S3Client({
        endpoint: s3Endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: options.s3.credentials,
      });
      await ensureBuckets(client, Object.values(LOCAL_BUCKETS)).finally(() => client.destroy());
    }
    let dynamoDBEndpoint = options.dynamodb?.endpoint;
    if (!dynamoDBEndpoint) {
      const dynamodb = await startDynamoDBServer({
        port: options.dynamoDBPort,
        directory: join(options.home, 'dynamodb'),
      });
      adopt(dynamodb);
      dynamoDBEndpoint = dynamodb.endpoint;
    }
    const stepFunctions = await startStepFunctionsServer({
      port: options.stepFunctionsPort,
      waitTimeOverrides: { WaitForRestores: 1000 },
      hooks: options.taskHooks,
      onExecutionEnded: endIngestOfExecution,
      log: options.log,
    });
    stoppers.push(stepFunctions.close);
    configureHandlers(options, { s3: s3Endpoint, dynamodb: dynamoDBEndpoint, sfn: stepFunctions.endpoint });
    process.env[ENV.cursorSecret] = options.settings?.cursorSecret ?? (await cursorSecretFor(options.home));

    await ensureTable(
      new DynamoDBClient({ credentials: options.dynamodb?.credentials ?? LOCAL_S3_CREDENTIALS }),
      LOCAL_TABLE,
    );
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
    const recovered =
      (options.recoverInterrupted ?? !options.dynamodb)
        ? await recoverInterrupted()
        : { ingests: [], carts: [], failed: [] };

    let apiUrl: string;
    if (options.apiThread ?? true) {
      const gateway = await startHttpGatewayThread({ port: options.apiPort, log: options.log });
      adopt(gateway);
      apiUrl = gateway.endpoint;
    } else {
      const gateway = await startHttpGateway({ port: options.apiPort, log: options.log });
      stoppers.push(gateway.close);
      apiUrl = gateway.url;
    }
    const schedules = await import('./fixity-schedule.ts');
    stoppers.push(schedules.startFixitySchedule());
    stoppers.push(schedules.startDeletionRedrive());
    return {
      apiUrl,
      s3Endpoint,
      dynamoDBEndpoint,
      stepFunctionsEndpoint: stepFunctions.endpoint,
      s3Credentials: options.s3?.credentials ?? LOCAL_S3_CREDENTIALS,
      dynamoDBCredentials: options.dynamodb?.credentials ?? LOCAL_S3_CREDENTIALS,
      embedded: { s3: !options.s3, dynamodb: !options.dynamodb },
      /** The embedded servers' threads (tests kill one to see the stack stop). */
      serverThreads: threads,
      /** Settles only when an embedded server dies; the stack has stopped by then. */
      failed,
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
