import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { LOCAL_S3_CREDENTIALS, startS3Server } from '../../local/s3-server.ts';
import { freePort } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

const md5 = (text: string) => `"${createHash('md5').update(text).digest('hex')}"`;

describe('the local S3', () => {
  it("answers the copied bytes' MD5, also over an object that was at the key before", async () => {
    const home = await mkdtemp(join(tmpdir(), 'bagvault-s3-copy-'));
    const server = await startS3Server({ port: await freePort(), directory: home, buckets: ['a', 'b'] });
    const s3 = localS3({ s3Endpoint: server.endpoint, s3Credentials: LOCAL_S3_CREDENTIALS });
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'a', Key: 'dir/source', Body: 'the right bytes' }));
      await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'dir/target', Body: 'what was there' }));
      const copied = await s3.send(
        new CopyObjectCommand({
          Bucket: 'b',
          Key: 'dir/target',
          CopySource: 'a/dir/source',
          MetadataDirective: 'REPLACE',
          Metadata: { sha256: 'x' },
        }),
      );
      expect(copied.CopyObjectResult?.ETag).toBe(md5('the right bytes'));
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'dir/target' }));
      expect(head.ETag).toBe(md5('the right bytes'));
      expect(head.Metadata).toEqual({ sha256: 'x' });
    } finally {
      s3.destroy();
      await server.close();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('answers a bucket configuration as last written or deleted, though it keeps them in memory', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bagvault-s3-cors-'));
    const server = await startS3Server({ port: await freePort(), directory: home, buckets: ['a'] });
    const s3 = localS3({ s3Endpoint: server.endpoint, s3Credentials: LOCAL_S3_CREDENTIALS });
    const origins = () =>
      s3.send(new GetBucketCorsCommand({ Bucket: 'a' })).then(
        (cors) => cors.CORSRules?.[0]?.AllowedOrigins,
        () => 'none',
      );
    try {
      expect(await origins()).toBe('none');
      const rules = (origin: string) => ({
        Bucket: 'a',
        CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: [origin] }] },
      });
      await s3.send(new PutBucketCorsCommand(rules('https://one.example')));
      expect(await origins()).toEqual(['https://one.example']);
      await s3.send(new PutBucketCorsCommand(rules('https://two.example')));
      expect(await origins()).toEqual(['https://two.example']);
      await s3.send(new DeleteBucketCorsCommand({ Bucket: 'a' }));
      expect(await origins()).toBe('none');
    } finally {
      s3.destroy();
      await server.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
