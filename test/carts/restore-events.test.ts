/**
 * Restore completion driven by S3 events (issue 11 item 4). S3 restores are what the local S3 cannot
 * show, so S3 alone is aws-sdk-client-mock (answering like S3 does for DEEP_ARCHIVE objects); the
 * table is the local stack's real DynamoDB. The cart's tasks run as the state machine runs them:
 * Staging asks for the restores and records what the cart waits for, S3's "Object Restore
 * Completed" events reach the EventBridge handler, and CheckRestores reads one count between waits.
 */
import { GetObjectCommand, HeadObjectCommand, RestoreObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CartFile } from '../../lambdas/carts/cart-file.ts';
import { filesKeyOf, bundleKeyOf, requestKeyOf } from '../../lambdas/carts/cart-objects.ts';
import { insertCart } from '../../lambdas/carts/cart-repository.ts';
import { checkRestores } from '../../lambdas/carts/check-restores.ts';
import { stageCart } from '../../lambdas/carts/stage-cart.ts';
import { config } from '../../lambdas/config.ts';
import { handler as restoreCompletedHandler } from '../../lambdas/handlers/cart/restore-completed.ts';
import { lambdaContext } from '../../local/handler-modules.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
let s3: ReturnType<typeof mockClient>;

beforeAll(async () => {
  stack = await startTestStack();
  // Only after the stack is up: from here on every S3 call of this process is the mock's.
  s3 = mockClient(S3Client);
});
afterAll(async () => {
  s3?.restore();
  await stack?.destroy();
});

const primaryBucket = () => config().primaryBucket;

/** Files whose only copies are DEEP_ARCHIVE objects in the primary location. */
const coldFile = (name: string): CartFile => ({
  id: `digitised/cold/v1/data/${name}`,
  space: 'digitised',
  key: `digitised/cold/v1/data/${name}`,
  path: name,
  size: 10,
  hashtype: 'sha256',
});

let restored: Set<string>;
beforeEach(() => {
  s3.reset();
  restored = new Set();
  s3.on(HeadObjectCommand).callsFake((input: { Bucket: string; Key: string }) =>
    input.Bucket === primaryBucket()
      ? {
          ContentLength: 10,
          StorageClass: 'DEEP_ARCHIVE',
          Restore: restored.has(input.Key)
            ? 'ongoing-request="false", expiry-date="Fri, 21 Dec 2040 00:00:00 GMT"'
            : undefined,
        }
      : Promise.reject(Object.assign(new Error('Not Found'), { name: 'NotFound' })),
  );
  s3.on(RestoreObjectCommand).resolves({});
});

/** A cart as POST and Resolving leave it: the item in the table, the resolved files in S3. */
async function resolvedCart(files: CartFile[]) {
  const cartId = randomUUID();
  const cart = { user: 'admin', cartId, executionName: `${cartId}-test` };
  const now = new Date().toISOString();
  await insertCart({
    cartId,
    status: 'waiting',
    message: '',
    executionName: cart.executionName,
    requestKey: requestKeyOf(cart),
    bundleKey: bundleKeyOf(cart),
    user: 'admin',
    spaces: ['digitised'],
    fileCount: files.length,
    bytes: files.length * 10,
    createdDate: now,
    lastModifiedDate: now,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });
  s3.on(GetObjectCommand, { Bucket: config().bundleBucket, Key: filesKeyOf(cart) }).callsFake(() => ({
    // What getJson reads of a GetObject body.
    Body: { transformToString: async () => JSON.stringify(files) } as never,
  }));
  return cart;
}

/** What S3 sends EventBridge when a restore has finished (the rule's target receives it as is). */
function restoreCompletedEvent(key: string, bucket = primaryBucket()) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Restore Completed',
    source: 'aws.s3',
    account: '111122223333',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 10, etag: 'e' },
      'request-id': 'R',
      requester: 's3.amazonaws.com',
      'restore-expiry-time': '2040-12-21T00:00:00Z',
      'source-storage-class': 'DEEP_ARCHIVE',
    },
  };
}

async function deliver(key: string, bucket?: string) {
  restored.add(key);
  return (await restoreCompletedHandler(
    restoreCompletedEvent(key, bucket) as never,
    lambdaContext('bagvault-restore-completed'),
  )) as { carts: number };
}

const heads = () => s3.commandCalls(HeadObjectCommand).length;

describe('restores completed by S3 events', () => {
  it('counts the cart down event by event, without a HeadObject between waits, then stages once more', async () => {
    const files = [coldFile('a.tif'), coldFile('b.tif'), coldFile('c.tif')];
    const cart = await resolvedCart(files);

    expect(await stageCart(cart)).toEqual({ pendingRestores: 3, cancelled: false });
    expect(s3.commandCalls(RestoreObjectCommand)).toHaveLength(3);
    const headsAfterStaging = heads();

    expect(await checkRestores(cart)).toEqual({ cancelled: false, pendingRestores: 3, restage: false });
    expect(await deliver(files[0]!.key)).toEqual({ carts: 1 });
    // EventBridge delivers at least once: the same event again counts nothing.
    expect(await deliver(files[0]!.key)).toEqual({ carts: 0 });
    // Another bucket's object of the same key is not what the cart waits for.
    expect(await deliver(files[1]!.key, 'some-other-bucket')).toEqual({ carts: 0 });
    expect(await checkRestores(cart)).toEqual({ cancelled: false, pendingRestores: 2, restage: false });
    await deliver(files[1]!.key);
    await deliver(files[2]!.key);
    expect(await checkRestores(cart)).toEqual({ cancelled: false, pendingRestores: 0, restage: true });
    // Waiting cost one table read per check: not one HeadObject.
    expect(heads()).toBe(headsAfterStaging);

    // Staging confirms every file readable before bundling, and asks for nothing more.
    expect(await stageCart(cart)).toEqual({ pendingRestores: 0, cancelled: false });
    expect(s3.commandCalls(RestoreObjectCommand)).toHaveLength(3);
  });

  it('counts down every cart waiting for one object, and each only once', async () => {
    const shared = coldFile('shared.tif');
    const first = await resolvedCart([shared]);
    const second = await resolvedCart([shared, coldFile('own.tif')]);
    await stageCart(first);
    await stageCart(second);

    expect(await deliver(shared.key)).toEqual({ carts: 2 });
    expect((await checkRestores(first)).pendingRestores).toBe(0);
    expect((await checkRestores(second)).pendingRestores).toBe(1);
  });

  it('finds the waiters of a key S3 sent URL-encoded', async () => {
    const spaced = coldFile('with space+plus.tif');
    const cart = await resolvedCart([spaced]);
    await stageCart(cart);
    const encoded = encodeURIComponent(spaced.key).replace(/%2F/g, '/').replace(/%20/g, '+');
    expect(await deliver(encoded)).toEqual({ carts: 1 });
    expect((await checkRestores(cart)).pendingRestores).toBe(0);
  });

  it('stops quietly for a cart deleted while it waited', async () => {
    const cart = await resolvedCart([coldFile('d.tif')]);
    await stageCart(cart);
    expect(await checkRestores({ ...cart, executionName: 'another-incarnation' })).toEqual({
      cancelled: true,
      pendingRestores: 0,
      restage: false,
    });
  });
});
