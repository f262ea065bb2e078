import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from './config.ts';

/**
 * One client of each kind per process. Endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables,
 * so the same code talks to AWS or to the local stack. Checksums are only computed when an operation
 * requires them: s3rver cannot decode aws-chunked bodies, and we send our own SHA-256 where it matters.
 */
let s3Client: S3Client | undefined;
let documentClient: DynamoDBDocumentClient | undefined;
let sfnClient: SFNClient | undefined;
let secretsClient: SecretsManagerClient | undefined;

export function s3(): S3Client {
  if (s3Client) return s3Client;
  s3Client = new S3Client({
    forcePathStyle: config().s3ForcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // The middleware stack resolved once per command class instead of once per request: a tenth of
    // the SDK's CPU per request, which bounds a bag of many small files.
    cacheMiddleware: true,
  });
  resolveAgainAfterChanges(s3Client);
  // Without a logger configured the SDK still copies and filters every request's input and output
  // for its no-op logger; nothing reads those lines.
  s3Client.middlewareStack.remove('loggerMiddleware');
  return s3Client;
}

/**
 * The SDK keeps the resolved stacks until the client is destroyed, so middleware added later (the
 * tests' and the bench's request counters, fault injection) would never run: a change to the stack
 * drops them. Nothing here adds middleware to a single command, which the cache would skip.
 */
function resolveAgainAfterChanges(client: S3Client): void {
  const stack = client.middlewareStack as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['add', 'addRelativeTo', 'use', 'remove', 'removeByTag']) {
    const change = (stack[method] as (...args: unknown[]) => unknown).bind(stack);
    stack[method] = (...args: unknown[]) => {
      delete (client as unknown as { handlers?: unknown }).handlers;
      return change(...args);
    };
  }
}

export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ credentials: dynamoDBCredentials() }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

function dynamoDBCredentials() {
  const { dynamoDBAccessKeyId: accessKeyId, dynamoDBSecretAccessKey: secretAccessKey } = config();
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

export function stepFunctions(): SFNClient {
  sfnClient ??= new SFNClient({});
  return sfnClient;
}

export function secretsManager(): SecretsManagerClient {
  secretsClient ??= new SecretsManagerClient({});
  return secretsClient;
}

/**
 * Forgets the clients, so the next call builds them from the current environment. The local stack
 * calls it after pointing the endpoint variables at its servers (tests start several stacks).
 */
export function forgetClients(): void {
  s3Client = undefined;
  documentClient = undefined;
  sfnClient = undefined;
  secretsClient = undefined;
}
