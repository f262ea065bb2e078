import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

async function storedBytes(bucket: string, key: string): Promise<Buffer> {
  const { Body } = await localS3(stack).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

describe('a corrupted object left by a failed run at the key a bag will use', () => {
  const right = Buffer.from('the page as scanned');
  const key = 'digitised/poisoned-1/v1/data/page.txt';

  beforeAll(async () => {
    // A bad write of an earlier attempt: wrong bytes of the right size, carrying the metadata a
    // good copy would carry. Metadata proves nothing about bytes.
    const wrong = Buffer.alloc(right.length, 'x');
    const sha256 = createHash('sha256').update(right).digest('hex');
    for (const bucket of [stack.buckets.primary, stack.buckets.replica]) {
      await localS3(stack).send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: wrong, Metadata: { sha256 } }),
      );
    }
  });

  it('does not poison the identifier: the ingest succeeds and every copy holds the right bytes', async () => {
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'poisoned-1' },
      await bagToTarGz(identifiedBag('poisoned-1', { 'data/page.txt': right })),
    );
    expect(ingest.status.id, JSON.stringify(ingest.events)).toBe('succeeded');
    expect((await storedBytes(stack.buckets.primary, key)).equals(right)).toBe(true);
    expect((await storedBytes(stack.buckets.replica, key)).equals(right)).toBe(true);

    const response = await stack.api('/bags/digitised/poisoned-1/files/data/page.txt');
    expect(response.status).toBe(302);
    const downloaded = await fetch(response.headers.get('location') as string);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(right)).toBe(true);
  });
});
