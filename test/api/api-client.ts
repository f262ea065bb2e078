import { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import type { TestStack } from '../support/local-stack.ts';

/** An S3 client for the local stack's s3rver, as a user with any S3 SDK would configure it. */
export function localS3(stack: TestStack): S3Client {
  return new S3Client({
    endpoint: stack.s3Endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: stack.s3Credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function postJson(
  stack: TestStack,
  path: string,
  body: unknown,
  init: { key?: string | null; headers?: Record<string, string> } = {},
) {
  return stack.api(path, {
    method: 'POST',
    body: JSON.stringify(body),
    key: init.key,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
}

/** Asserts the one error shape and returns its description. */
export async function errorOf(response: Response, status: number): Promise<string> {
  const body = (await response.json()) as { type: string; httpStatus: number; description: string };
  expect({ status: response.status, body }).toMatchObject({
    status,
    body: { type: 'Error', httpStatus: status },
  });
  return body.description;
}
