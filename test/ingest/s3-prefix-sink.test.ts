import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3PrefixSink } from '../../lambdas/storage/s3-prefix-sink.ts';

/** Background uploads of small files must never be lost silently: a failed PUT fails the unpack. */
const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

describe('the S3 unpack sink', () => {
  it('reports a failed background upload from finish(), and discard removes what was written', async () => {
    s3.on(PutObjectCommand).resolves({});
    s3.on(PutObjectCommand, { Key: 'space/ingest/bag/data/b.txt' }).rejects(new Error('disk full'));
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'space/ingest/bag/data/a.txt' }] });
    s3.on(DeleteObjectsCommand).resolves({});
    const sink = new S3PrefixSink('unpack', 'space/ingest/');
    await sink.writeFile('bag/data/a.txt', 1, Readable.from([Buffer.from('a')]));
    await sink.writeFile('bag/data/b.txt', 1, Readable.from([Buffer.from('b')]));
    await expect(sink.finish()).rejects.toThrow('disk full');
    await sink.discard();
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects).toEqual([
      { Key: 'space/ingest/bag/data/a.txt' },
    ]);
  });

  it('refuses further files once an upload has failed', async () => {
    s3.on(PutObjectCommand).rejects(new Error('throttled'));
    const sink = new S3PrefixSink('unpack', 'p/');
    await sink.writeFile('a', 1, Readable.from([Buffer.from('a')]));
    await expect(sink.finish()).rejects.toThrow('throttled');
    await expect(sink.writeFile('b', 1, Readable.from([Buffer.from('b')]))).rejects.toThrow('throttled');
  });

  it('streams a large file in one PUT with its declared length', async () => {
    s3.on(PutObjectCommand).resolves({});
    const sink = new S3PrefixSink('unpack', 'p/');
    const size = 2 * 1024 * 1024;
    await sink.writeFile('big.bin', size, Readable.from([Buffer.alloc(size)]));
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Key: 'p/big.bin',
      ContentLength: size,
    });
  });
});
