import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SMALL_OBJECT_BYTES } from '../../local/s3-store-files.ts';
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

  it('answers small and large objects alike: whole, by range, by HEAD, copied with their metadata, or missing', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bagvault-s3-objects-'));
    const server = await startS3Server({ port: await freePort(), directory: home, buckets: ['a', 'b'] });
    const s3 = localS3({ s3Endpoint: server.endpoint, s3Credentials: LOCAL_S3_CREDENTIALS });
    const read = async (bucket: string, key: string, range?: string) => {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
      return {
        ...answer,
        bytes: Buffer.from(
          await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ),
      };
    };
    try {
      // Read and written in one call (small), and streamed (large).
      for (const body of [
        Buffer.from('hello, world'),
        randomBytes(SMALL_OBJECT_BYTES + 4096),
        Buffer.alloc(0),
      ]) {
        const key = `dir/${body.length}`;
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        await s3.send(
          new PutObjectCommand({
            Bucket: 'a',
            Key: key,
            Body: body,
            ContentType: 'text/plain',
            Metadata: { kept: 'yes' },
          }),
        );
        const whole = await read('a', key);
        expect(whole.bytes.equals(body), `${whole.bytes.length} bytes answered for ${body.length}`).toBe(
          true,
        );
        expect(whole.ETag).toBe(etag);
        expect(whole.ContentType).toBe('text/plain');
        expect(whole.Metadata).toEqual({ kept: 'yes' });
        const head = await s3.send(new HeadObjectCommand({ Bucket: 'a', Key: key }));
        expect([head.ContentLength, head.ETag]).toEqual([body.length, etag]);
        // A copy keeping the source's metadata, then read from its middle to its end.
        await s3.send(new CopyObjectCommand({ Bucket: 'b', Key: `copy/${key}`, CopySource: `a/${key}` }));
        const copied = await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: `copy/${key}` }));
        expect([copied.ETag, copied.ContentType, copied.Metadata]).toEqual([
          etag,
          'text/plain',
          { kept: 'yes' },
        ]);
        if (body.length === 0) continue;
        const tail = await read('b', `copy/${key}`, `bytes=5-`);
        expect(tail.bytes.equals(body.subarray(5))).toBe(true);
        expect(tail.ContentRange).toBe(`bytes 5-${body.length - 1}/${body.length}`);
        const first = await read('b', `copy/${key}`, 'bytes=0-4');
        expect(first.bytes.equals(body.subarray(0, 5))).toBe(true);
      }
      // A multipart upload's parts are streamed into the object, whatever the size of each.
      const parts = [randomBytes(5 * 1024 * 1024), Buffer.from('the last part')];
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'a', Key: 'dir/parts' }));
      const uploaded = [];
      for (const [index, part] of parts.entries()) {
        const { ETag } = await s3.send(
          new UploadPartCommand({
            Bucket: 'a',
            Key: 'dir/parts',
            UploadId,
            PartNumber: index + 1,
            Body: part,
          }),
        );
        uploaded.push({ ETag, PartNumber: index + 1 });
      }
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'a',
          Key: 'dir/parts',
          UploadId,
          MultipartUpload: { Parts: uploaded },
        }),
      );
      expect((await read('a', 'dir/parts')).bytes.equals(Buffer.concat(parts))).toBe(true);
      // An object as s3rver itself writes it, its MD5 in a file of its own, is answered and copied alike.
      const stem = join(home, 'a', 'dir', 'older');
      writeFileSync(`${stem}._S3rver_object`, 'older bytes');
      writeFileSync(`${stem}._S3rver_object.md5`, createHash('md5').update('older bytes').digest('hex'));
      writeFileSync(`${stem}._S3rver_metadata.json`, '{"content-type":"text/plain"}');
      await s3.send(
        new CopyObjectCommand({
          Bucket: 'b',
          Key: 'dir/older',
          CopySource: 'a/dir/older',
          MetadataDirective: 'REPLACE',
          Metadata: { sha256: 'x' },
        }),
      );
      for (const bucket of ['a', 'b'])
        expect((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/older' }))).ETag).toBe(
          md5('older bytes'),
        );
      await expect(read('a', 'dir/missing')).rejects.toMatchObject({ name: 'NoSuchKey' });
      await expect(read('a', 'dir/12', 'bytes=20-30')).rejects.toMatchObject({ name: 'InvalidRange' });
      await expect(
        s3.send(new CopyObjectCommand({ Bucket: 'b', Key: 'x', CopySource: 'a/dir/missing' })),
      ).rejects.toMatchObject({ name: 'NoSuchKey' });
    } finally {
      s3.destroy();
      await server.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
