import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  S3PrefixSink,
  SMALL_FILE_BUFFER_BYTES,
  SMALL_FILES_IN_FLIGHT,
} from '../../lambdas/storage/s3-prefix-sink.ts';

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
    await expect(sink.settle()).rejects.toThrow('disk full');
    await sink.discard();
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects).toEqual([
      { Key: 'space/ingest/bag/data/a.txt' },
    ]);
  });

  it('refuses further files once an upload has failed', async () => {
    s3.on(PutObjectCommand).rejects(new Error('throttled'));
    const sink = new S3PrefixSink('unpack', 'p/');
    await sink.writeFile('a', 1, Readable.from([Buffer.from('a')]));
    await expect(sink.settle()).rejects.toThrow('throttled');
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

  /** Writes `count` files of `size` bytes while PUTs take 5 ms; the most PUTs and bytes in flight at once. */
  async function peakInFlight(count: number, size: number) {
    let inFlight = 0;
    let bytes = 0;
    const peak = { requests: 0, bytes: 0 };
    s3.on(PutObjectCommand).callsFake(async (input: { Body: Buffer }) => {
      inFlight++;
      bytes += input.Body.length;
      peak.requests = Math.max(peak.requests, inFlight);
      peak.bytes = Math.max(peak.bytes, bytes);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      bytes -= input.Body.length;
      return {};
    });
    const sink = new S3PrefixSink('unpack', 'p/');
    for (let i = 0; i < count; i++) await sink.writeFile(`f${i}`, size, Readable.from([Buffer.alloc(size)]));
    await sink.settle();
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(count);
    return peak;
  }

  it('keeps many small-file PUTs in flight (not 16), never more than its bound', async () => {
    const peak = await peakInFlight(200, 1000);
    expect(peak.requests).toBe(SMALL_FILES_IN_FLIGHT);
    expect(SMALL_FILES_IN_FLIGHT).toBeGreaterThanOrEqual(48);
  });

  it('bounds the bytes buffered for small-file PUTs, whatever their number', async () => {
    const size = 1024 * 1024;
    const peak = await peakInFlight(80, size);
    expect(peak.bytes).toBeLessThanOrEqual(SMALL_FILE_BUFFER_BYTES);
    expect(peak.requests).toBe(SMALL_FILE_BUFFER_BYTES / size);
  });

  it("sends each small file's own bytes, though the buffers they are gathered in are reused", async () => {
    const sent = new Map<string, string>();
    s3.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: Buffer }) => {
      // What the request carries once it is written out, a while after it was sent.
      await new Promise((resolve) => setTimeout(resolve, 3));
      sent.set(input.Key, createHash('sha256').update(input.Body).digest('hex'));
      return {};
    });
    const sink = new S3PrefixSink('unpack', 'p/');
    const expected = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(1 + ((i * 7919) % 150_000));
      expected.set(`p/f${i}`, createHash('sha256').update(bytes).digest('hex'));
      // In pieces, as the unpacker hands them over.
      const pieces = [bytes.subarray(0, 1000), bytes.subarray(1000)].filter((piece) => piece.length > 0);
      await sink.writeFile(`f${i}`, bytes.length, Readable.from(pieces));
    }
    await sink.settle();
    expect(sent).toEqual(expected);
  });
});
