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
  s3Client ??= new S3Client({
    forcePathStyle: config().s3ForcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return s3Client;
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
