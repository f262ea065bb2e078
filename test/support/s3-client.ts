import { S3Client } from '@aws-sdk/client-s3';
import type { LocalStack } from '../../local/stack.ts';

/** An S3 client for the local stack, configured as a user of it would (README). */
export function localS3(stack: Pick<LocalStack, 's3Endpoint' | 's3Credentials'>): S3Client {
  return new S3Client({
    endpoint: stack.s3Endpoint,
    region: 'us-east-1',
    credentials: stack.s3Credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
