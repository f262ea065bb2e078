import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../local/http-gateway.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

const MB = 1024 * 1024;

interface Upload {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Body bytes the client had handed to the socket when the answer arrived. */
  sentWhenAnswered: number;
  /** Whether the gateway told the client to go ahead (`100 Continue`). */
  continued: boolean;
}

/**
 * Sends `total` bytes of body as fast as the gateway takes them (or, with `expectContinue`, only
 * once it says `100 Continue`), and stops sending as soon as the answer arrives.
 */
function sendLargeBody(
  path: string,
  total: number,
  options: { headers?: Record<string, string>; contentLength?: boolean; expectContinue?: boolean } = {},
): Promise<Upload> {
  const url = new URL(stack.apiUrl);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.contentLength) headers['content-length'] = String(total);
  if (options.expectContinue) headers.expect = '100-continue';
  const chunk = Buffer.alloc(256 * 1024, 0x20);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    let continued = false;
    const request = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path, headers });
    const pump = () => {
      while (!answered && sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        if (!request.write(piece)) return void request.once('drain', pump);
      }
      if (!answered) request.end();
    };
    request.on('response', (response) => {
      answered = true;
      const sentWhenAnswered = sent;
      const chunks: Buffer[] = [];
      response.on('data', (data: Buffer) => chunks.push(data));
      response.on('end', () => {
        request.destroy();
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          sentWhenAnswered,
          continued,
        });
      });
    });
    // Once the gateway has answered, a reset while still sending is the expected way to stop.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.expectContinue) {
      request.on('continue', () => {
        continued = true;
        pump();
      });
      request.flushHeaders();
    } else pump();
  });
}

const admin = () => ({ authorization: `ApiKey ${stack.adminKey}` });

describe('the local gateway settles the caller before it reads a body', () => {
  it('answers 401 to an unauthenticated 300 MB body without reading it, and memory stays flat', async () => {
    const before = process.memoryUsage().rss;
    const answer = await sendLargeBody('/ingests', 300 * MB);
    const grown = process.memoryUsage().rss - before;
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ type: 'Error', httpStatus: 401 });
    // Only what the sockets buffer got out of the client before the answer: a few MB at most.
    expect(answer.sentWhenAnswered).toBeLessThan(32 * MB);
    expect(grown).toBeLessThan(100 * MB);
  });

  it('answers 401 with a key that is not valid, before the body', async () => {
    const answer = await sendLargeBody('/ingests', 300 * MB, {
      headers: { authorization: 'ApiKey admin:wrong-secret' },
      contentLength: true,
    });
    expect(answer.status).toBe(401);
    expect(answer.sentWhenAnswered).toBeLessThan(32 * MB);
  });

  it('never tells an unauthenticated caller to go ahead with `Expect: 100-continue`', async () => {
    const answer = await sendLargeBody('/ingests', 300 * MB, { expectContinue: true, contentLength: true });
    expect(answer.status).toBe(401);
    expect(answer.continued).toBe(false);
    expect(answer.sentWhenAnswered).toBe(0);
  });

  it('lets an authenticated caller go ahead with `Expect: 100-continue`', async () => {
    const answer = await sendLargeBody('/ingests', 2, {
      headers: admin(),
      expectContinue: true,
      contentLength: true,
    });
    expect(answer.continued).toBe(true);
    expect(answer.status).toBe(400);
  });
});

describe('the local gateway caps bodies at 10 MB, as API Gateway does', () => {
  it('refuses a declared Content-Length over the cap with 413 before reading', async () => {
    const answer = await sendLargeBody('/ingests', 300 * MB, { headers: admin(), contentLength: true });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({
      type: 'Error',
      httpStatus: 413,
      label: 'Payload Too Large',
      description: 'The request body is larger than 10 MB.',
    });
    expect(answer.sentWhenAnswered).toBeLessThan(32 * MB);
    expect(answer.headers.connection).toBe('close');
  });

  it('stops reading a chunked body once it passes the cap, and answers 413', async () => {
    const answer = await sendLargeBody('/ingests', 300 * MB, { headers: admin() });
    expect(answer.status).toBe(413);
    expect(answer.sentWhenAnswered).toBeGreaterThan(MAX_BODY_BYTES);
    expect(answer.sentWhenAnswered).toBeLessThan(MAX_BODY_BYTES + 32 * MB);
  });

  it('still reads a body just under the cap', async () => {
    const answer = await sendLargeBody('/ingests', MAX_BODY_BYTES, { headers: admin(), contentLength: true });
    // Ten megabytes of spaces is not a JSON value: a 400 from the handler, so the body got there.
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ httpStatus: 400 });
  });
});

describe('the local gateway answers what API Gateway answers before a handler', () => {
  it('405 with Allow for a method the path does not have', async () => {
    const response = await stack.api('/ingests', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(await response.json()).toMatchObject({
      type: 'Error',
      httpStatus: 405,
      label: 'Method Not Allowed',
    });
  });

  it('400 for a path parameter that is not percent-encoded UTF-8', async () => {
    const response = await stack.api('/ingests/%E0%A4%A');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      description: 'The path segment "%E0%A4%A" is not valid percent-encoded UTF-8.',
    });
  });

  it('a long invalid value comes back as a 100-character excerpt', async () => {
    const filename = `${'x'.repeat(9 * MB)}/`;
    const response = await stack.api('/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: 'digitised', filename: 'b.tar.gz', size: filename }),
    });
    const body = (await response.json()) as { description: string };
    expect(response.status).toBe(400);
    expect(body.description).toBe(
      `Invalid value at .size: expected a positive integer, got "${'x'.repeat(100)}…".`,
    );
  });
});
