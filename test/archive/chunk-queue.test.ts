import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ChunkQueue } from '../../lambdas/archive/chunk-queue.ts';

describe('ChunkQueue', () => {
  it('hands over the very chunks the stream emits, in order, then the end', async () => {
    const stream = new PassThrough();
    const queue = new ChunkQueue(stream, 1 << 20);
    const chunks = Array.from({ length: 5 }, (_, i) => Buffer.alloc(1000, i));
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
    const read: Buffer[] = [];
    for (let chunk = await queue.next(); chunk; chunk = await queue.next()) read.push(chunk);
    expect(read.length).toBe(5);
    read.forEach((chunk, i) => expect(chunk.buffer, 'not a copy').toBe(chunks[i]?.buffer));
  });

  it('pauses the stream while the reader is behind, so memory stays bounded', async () => {
    const stream = new PassThrough({ highWaterMark: 1024 });
    const queue = new ChunkQueue(stream, 4096);
    let written = 0;
    while (stream.write(Buffer.alloc(1024)) && written < 100) written++;
    await sleep(10);
    expect(stream.isPaused()).toBe(true);
    expect(written, 'the writer was held back').toBeLessThan(20);
    stream.end();
    let read = 0;
    while (await queue.next()) read++;
    expect(read, 'reading resumes the stream to its end').toBe(written + 1);
  });

  it('tells whether the reader or the stream is the slower side', async () => {
    const slowStream = new PassThrough();
    const waiting = new ChunkQueue(slowStream, 4096);
    const feed = (async () => {
      for (let i = 0; i < 20; i++) {
        slowStream.write(Buffer.alloc(1024));
        await sleep(2);
      }
      slowStream.end();
    })();
    while (await waiting.next());
    await feed;
    expect(waiting.readerIsAhead).toBe(true);

    const fastStream = new PassThrough();
    const busy = new ChunkQueue(fastStream, 4096);
    const flood = (async () => {
      for (let i = 0; i < 40; i++) {
        if (!fastStream.write(Buffer.alloc(1024)))
          await new Promise((resolve) => fastStream.once('drain', resolve));
      }
      fastStream.end();
    })();
    for (let chunk = await busy.next(); chunk; chunk = await busy.next()) await sleep(2);
    await flood;
    expect(busy.readerIsAhead).toBe(false);
  });

  it('rejects once the chunks before a failure are read', async () => {
    const stream = new PassThrough();
    const queue = new ChunkQueue(stream, 1 << 20);
    stream.write(Buffer.from('a'));
    await sleep(1);
    queue.fail(new Error('connection reset'));
    expect((await queue.next())?.toString()).toBe('a');
    await expect(queue.next()).rejects.toThrow('connection reset');
  });
});
