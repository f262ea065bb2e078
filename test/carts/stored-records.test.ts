/** Cart state read back from DynamoDB and S3 is checked against its schema, never trusted by a cast. */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo, s3 } from '../../lambdas/aws-clients.ts';
import { checkpointKeysOf, loadCheckpoint } from '../../lambdas/carts/bundle-checkpoint.ts';
import { findLiveCart } from '../../lambdas/carts/cart-repository.ts';
import { config } from '../../lambdas/config.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.destroy());

describe('stored cart state', () => {
  it('refuses a cart item that does not match its schema, naming the field', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await dynamo().send(
      new PutCommand({
        TableName: config().tableName,
        Item: {
          pk: 'CART#alice#corrupt',
          sk: 'CART',
          kind: 'Cart',
          cartId: 'corrupt',
          status: 'lost',
          expiresAt,
        },
      }),
    );
    await expect(findLiveCart({ user: 'alice', cartId: 'corrupt' })).rejects.toThrow(
      /^Stored cart does not match its schema: Invalid value at \.status: /,
    );
  });

  it('never resumes a bundle from a checkpoint that does not match its schema', async () => {
    const cart = { user: 'alice', cartId: 'resumed', executionName: 'e1' };
    const [json, carry] = checkpointKeysOf(cart) as [string, string];
    const put = (Key: string, Body: string) =>
      s3().send(new PutObjectCommand({ Bucket: config().bundleBucket, Key, Body }));
    await put(carry, 'half a part');
    await put(json, JSON.stringify({ upload: { uploadId: 'u', parts: 'all of them', written: 1 } }));
    await expect(loadCheckpoint(cart)).rejects.toThrow(
      /^Stored bundle checkpoint does not match its schema: Invalid value at \.upload\.parts: /,
    );
  });
});
