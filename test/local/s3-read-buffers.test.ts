import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ReadBuffers } from '../../local/s3-read-buffers.ts';
import { LOCAL_S3_CREDENTIALS, startS3Server } from '../../local/s3-server.ts';
import { freePort } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

/** What the local S3 does per GET of a small object: read it, lend the buffer to the body, respond. */
async function respond(buffers: ReadBuffers, path: string) {
  const read = buffers.readFile(path, 1024 * 1024);
  if (!read) throw new Error('not read');
  const body = Readable.from([read.bytes]);
  buffers.lend(body, read.buffer);
  const res = new EventEmitter();
  const context = { body: body as unknown, res: res as unknown as ServerResponse };
  await buffers.middleware(context, async () => {});
  return { ...read, close: () => res.emit('close') };
}

describe("the local S3's read buffers", () => {
  it('reuse a buffer only once the response that carried it has closed', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bagvault-read-buffers-'));
    try {
      const [first, second] = [randomBytes(100_000), randomBytes(90_000)];
      writeFileSync(join(home, 'first'), first);
      writeFileSync(join(home, 'second'), second);
      const buffers = new ReadBuffers();
      const sending = await respond(buffers, join(home, 'first'));
      // Still being sent: another read gets a buffer of its own, and the first bytes stay as they were.
      const meanwhile = await respond(buffers, join(home, 'second'));
      expect(meanwhile.buffer).not.toBe(sending.buffer);
      expect(sending.bytes.equals(first)).toBe(true);
      expect(meanwhile.bytes.equals(second)).toBe(true);
      sending.close();
      const after = await respond(buffers, join(home, 'second'));
      expect(after.buffer).toBe(sending.buffer);
      expect(after.bytes.equals(second)).toBe(true);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('leave a buffer whose body never became a response (a HEAD) to the collector', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bagvault-read-buffers-'));
    try {
      writeFileSync(join(home, 'file'), randomBytes(1000));
      const buffers = new ReadBuffers();
      const read = buffers.readFile(join(home, 'file'), 1024 * 1024);
      buffers.lend(Readable.from([read?.bytes]), read?.buffer as Buffer);
      const res = new EventEmitter();
      await buffers.middleware({ body: undefined, res: res as unknown as ServerResponse }, async () => {});
      res.emit('close');
      expect(buffers.readFile(join(home, 'file'), 1024 * 1024)?.buffer).not.toBe(read?.buffer);
      expect(buffers.readFile(join(home, 'file'), 999)).toBeUndefined();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('answer every GET with its own bytes while many are in flight and some are abandoned', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bagvault-read-buffers-'));
    const server = await startS3Server({ port: await freePort(), directory: home, buckets: ['a'] });
    const s3 = localS3({ s3Endpoint: server.endpoint, s3Credentials: LOCAL_S3_CREDENTIALS });
    const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    try {
      const bodies = Array.from({ length: 24 }, (_, i) => randomBytes(60_000 + i * 7_000));
      await Promise.all(
        bodies.map((body, i) => s3.send(new PutObjectCommand({ Bucket: 'a', Key: `f${i}`, Body: body }))),
      );
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all(
          bodies.map(async (body, i) => {
            const { Body } = await s3.send(new GetObjectCommand({ Bucket: 'a', Key: `f${i}` }));
            const stream = Body as Readable;
            // Every third response is abandoned: its connection closes, its buffer comes back early.
            if (i % 3 === round) {
              stream.destroy();
              return undefined;
            }
            const chunks: Buffer[] = [];
            for await (const chunk of stream) chunks.push(chunk as Buffer);
            return sha256(Buffer.concat(chunks)) === sha256(body);
          }),
        );
        expect(answers.filter((answer) => answer === false)).toEqual([]);
      }
    } finally {
      s3.destroy();
      await server.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
