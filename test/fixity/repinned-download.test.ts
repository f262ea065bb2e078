/**
 * A file that came through fetch.txt is held by an earlier version; when a repair rewrote that copy
 * (a new S3 version in an Object Lock location), the holder's stored-file record pins the new version
 * and the manifests keep the old one. Downloads through either version must use the record's pin.
 * The local S3 keeps no versions, so the redirect's `versionId` is what shows it.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../../lambdas/aws-clients.ts';
import { getStoredFile, repinStoredFile } from '../../lambdas/bags/bag-registry.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { storeBag } from '../support/stored-bag.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
  await storeBag({
    externalIdentifier: 'repinned',
    files: [{ path: 'data/held.txt', content: 'v1 holds me\n' }],
  });
  await storeBag({
    externalIdentifier: 'repinned',
    version: 'v2',
    files: [{ path: 'data/new.txt', content: 'v2 only\n' }],
    fetched: { 'data/held.txt': 'v1' },
  });
});
afterAll(() => stack?.destroy());

async function redirectVersionId(path: string): Promise<string | null> {
  const response = await stack.api(path);
  expect(response.status, await response.clone().text()).toBe(302);
  return new URL(response.headers.get('location') as string).searchParams.get('versionId');
}

describe('downloads of a fetched file whose holding copy was repaired', () => {
  it('presign the version the holder’s record pins, through the later version and the holder alike', async () => {
    const holder = 'digitised/repinned/v1/data/held.txt';
    // What Register records in Object Lock locations (the local S3 has no versions to record).
    await dynamo().send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: { pk: `FILE#${holder}`, sk: 'FILE' },
        UpdateExpression: 'SET versionIds = :held',
        ExpressionAttributeValues: { ':held': { primary: 'held-1', replica: 'replica-1' } },
      }),
    );
    expect(await redirectVersionId('/bags/digitised/repinned/files/data/held.txt?version=v2')).toBe('held-1');

    await repinStoredFile(holder, 'primary', 'repaired-version-2');
    expect((await getStoredFile(holder))?.versionIds).toMatchObject({ primary: 'repaired-version-2' });

    expect(await redirectVersionId('/bags/digitised/repinned/files/data/held.txt?version=v2')).toBe(
      'repaired-version-2',
    );
    expect(await redirectVersionId('/bags/digitised/repinned/files/data/held.txt')).toBe(
      'repaired-version-2',
    );
    expect(await redirectVersionId('/bags/digitised/repinned/files/data/held.txt?version=v1')).toBe(
      'repaired-version-2',
    );
    // A file v2 holds itself is untouched by the holder's pin.
    expect(await redirectVersionId('/bags/digitised/repinned/files/data/new.txt')).toBeNull();
  });
});
