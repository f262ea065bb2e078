import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll } from 'vitest';

/** S3 and DynamoDB mocked at the SDK level for the test file that calls it, restored after it. */
export function mockS3AndDynamo() {
  const s3 = mockClient(S3Client);
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterAll(() => {
    s3.restore();
    dynamo.restore();
  });
  return { s3, dynamo };
}

/** Storage locations as the mocked S3 knows them: a warm primary and a Deep Archive replica. */
export const warmLocation = {
  name: 'primary',
  bucket: 'primary-bucket',
  storageClass: 'STANDARD',
  objectLock: false,
};
export const coldLocation = {
  name: 'replica-glacier',
  bucket: 'replica-bucket',
  storageClass: 'DEEP_ARCHIVE',
  objectLock: false,
};
