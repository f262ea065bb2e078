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
