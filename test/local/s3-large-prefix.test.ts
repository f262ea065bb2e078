import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_S3_CREDENTIALS, startS3Server } from '../../local/s3-server.ts';
import type { ServerThread } from '../../local/server-thread.ts';
import { freePort } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

const BUCKET = 'b';

/** Writes objects the way s3rver stores them (bytes, md5, metadata), much faster than PUTting each. */
function seed(directory: string, keys: string[]): void {
  for (const key of keys) {
    const stem = join(directory, BUCKET, key);
    mkdirSync(join(stem, '..'), { recursive: true });
    writeFileSync(`${stem}._S3rver_object`, 'x');
    writeFileSync(`${stem}._S3rver_object.md5`, '9dd4e461268c8034f5c8564e155c67a6');
    writeFileSync(`${stem}._S3rver_metadata.json`, '{"content-type":"binary/octet-stream"}');
  }
}

async function listAll(s3: S3Client, prefix: string, delimiter?: string) {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: prefix,
        Delimiter: delimiter,
        ContinuationToken: token,
      }),
    );
    keys.push(...(page.Contents ?? []).map((object) => object.Key as string));
    prefixes.push(...(page.CommonPrefixes ?? []).map((common) => common.Prefix as string));
    token = page.NextContinuationToken;
  } while (token);
  return { keys, prefixes };
}

/** Lists the prefix page by page and deletes each page, as the stack's cleanups do. */
async function deletePrefix(s3: S3Client, prefix: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key as string }));
    if (keys.length === 0) return deleted;
    await s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys, Quiet: true } }));
    deleted += keys.length;
  }
}

const keysUnder = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}/data/f${String(i).padStart(6, '0')}.bin`);

describe('the local S3 with large prefixes', () => {
  let home: string;
  let server: ServerThread;
  let s3: S3Client;
  const SMALL = 600;
  const LARGE = 2_400;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'bagvault-s3-prefix-'));
    seed(join(home, 's3'), [...keysUnder('small', SMALL), ...keysUnder('large', LARGE)]);
    server = await startS3Server({ port: await freePort(), directory: join(home, 's3'), buckets: [BUCKET] });
    s3 = localS3({ s3Endpoint: server.endpoint, s3Credentials: LOCAL_S3_CREDENTIALS });
  }, 120_000);

  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('lists and deletes a prefix in time growing about linearly with its size, not quadratically', async () => {
    await listAll(s3, 'small/'); // warm up the connection and the bucket's index
    const timed = async (prefix: string, count: number) => {
      const start = performance.now();
      const { keys } = await listAll(s3, prefix);
      expect(keys).toHaveLength(count);
      expect(await deletePrefix(s3, prefix)).toBe(count);
      return performance.now() - start;
    };
    const small = await timed('small/', SMALL);
    const large = await timed('large/', LARGE);
    // 4× the objects: linear work takes ~4× as long, s3rver's own walk per page ~12× or more.
    expect(large / small).toBeLessThan(8);
    expect((await listAll(s3, '')).keys).toEqual([]);
  }, 120_000);

  it('lists in key order, with common prefixes and continuation, as writes and deletes change the bucket', async () => {
    const keys = ['a/1', 'a/2', 'a-b', 'b/c/d', 'b/c/e', 'b/f', 'c', 'a/3/x', 'ä'];
    for (const key of keys)
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `t/${key}`, Body: key }));
    const expected = keys.map((key) => `t/${key}`).sort();
    expect((await listAll(s3, 't/')).keys).toEqual(expected);
    expect(await listAll(s3, 't/', '/')).toEqual({
      keys: ['t/a-b', 't/c', 't/ä'],
      prefixes: ['t/a/', 't/b/'],
    });
    expect(await listAll(s3, 't/b/', '/')).toEqual({ keys: ['t/b/f'], prefixes: ['t/b/c/'] });

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 't/b/f' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 't/b/g', Body: 'g' }));
    expect(await listAll(s3, 't/b/', '/')).toEqual({ keys: ['t/b/g'], prefixes: ['t/b/c/'] });

    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 't/', MaxKeys: 3 }));
    expect(page.Contents?.map((object) => object.Key)).toEqual(expected.slice(0, 3));
    const rest = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: 't/',
        ContinuationToken: page.NextContinuationToken,
      }),
    );
    expect(rest.Contents?.map((object) => object.Key)).toEqual(
      [...expected.slice(3).filter((key) => key !== 't/b/f'), 't/b/g'].sort(),
    );
  });
});
