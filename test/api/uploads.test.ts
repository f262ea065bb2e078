import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { errorOf, postJson } from '../support/api-client.ts';
import { localS3 } from '../support/s3-client.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

const MiB = 1024 ** 2;

async function readBack(bucket: string, key: string): Promise<Buffer> {
  const object = await localS3(stack).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

describe('POST /uploads: a presigned PUT', () => {
  it('returns a URL that stores the bytes when PUT without any auth header', async () => {
    const bytes = Buffer.from('a gzip tar would go here\n');
    const response = await postJson(stack, '/uploads', {
      space: 'digitised',
      filename: 'b1234.tar.gz',
      size: bytes.length,
    });
    expect(response.status).toBe(201);
    const plan = (await response.json()) as Record<string, string>;
    expect(Object.keys(plan).sort()).toEqual(['bucket', 'expires', 'path', 'uploadUrl']);
    expect(plan.bucket).toBe(stack.buckets.uploads);
    expect(plan.path).toMatch(/^digitised\/[0-9a-f-]{36}\/b1234\.tar\.gz$/);
    const minutes = (Date.parse(plan.expires!) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);

    const put = await fetch(plan.uploadUrl!, { method: 'PUT', body: bytes });
    expect(put.status).toBe(200);
    expect(await readBack(plan.bucket!, plan.path!)).toEqual(bytes);
  });

  it('signs for 15 minutes by default, and for the configured time otherwise', async () => {
    const plan = async () =>
      (await (
        await postJson(stack, '/uploads', { space: 'digitised', filename: 'a.tar.gz', size: 1 })
      ).json()) as { uploadUrl: string; expires: string };
    expect(new URL((await plan()).uploadUrl).searchParams.get('X-Amz-Expires')).toBe('900');
    // The handlers run in this process and read their settings when they use them.
    process.env.BAGVAULT_PRESIGN_EXPIRES_SECONDS = '60';
    try {
      const short = await plan();
      expect(new URL(short.uploadUrl).searchParams.get('X-Amz-Expires')).toBe('60');
      expect(Date.parse(short.expires) - Date.now()).toBeLessThanOrEqual(60_000);
    } finally {
      delete process.env.BAGVAULT_PRESIGN_EXPIRES_SECONDS;
    }
  });

  it('gives two uploads of one file name different paths', async () => {
    const plan = async () =>
      (
        (await (
          await postJson(stack, '/uploads', { space: 'digitised', filename: 'x.tar.gz', size: 1 })
        ).json()) as {
          path: string;
        }
      ).path;
    expect(await plan()).not.toBe(await plan());
  });
});

describe('POST /uploads: a multipart plan', () => {
  it('is returned on request, and the parts and POST /uploads/complete assemble the object', async () => {
    const size = 64 * MiB + 10;
    const response = await postJson(stack, '/uploads', {
      space: 'born-digital',
      filename: 'big.tar.gz',
      size,
      multipart: true,
    });
    expect(response.status).toBe(201);
    const plan = (await response.json()) as {
      bucket: string;
      path: string;
      uploadId: string;
      partSize: number;
      parts: { partNumber: number; url: string }[];
      complete: { method: string; url: string };
      expires: string;
    };
    expect(plan).toMatchObject({
      bucket: stack.buckets.uploads,
      partSize: 64 * MiB,
      complete: { method: 'POST', url: '/uploads/complete' },
    });
    expect(plan.path).toMatch(/^born-digital\/[0-9a-f-]{36}\/big\.tar\.gz$/);
    expect(plan.parts.map((part) => part.partNumber)).toEqual([1, 2]);

    const bytes = Buffer.alloc(size, 7);
    bytes.write('start', 0);
    bytes.write('end', size - 3);
    const etags: { partNumber: number; etag: string }[] = [];
    // Uploaded in reverse order: the completion sorts the parts.
    for (const part of [...plan.parts].reverse()) {
      const start = (part.partNumber - 1) * plan.partSize;
      const put = await fetch(part.url, {
        method: 'PUT',
        body: bytes.subarray(start, start + plan.partSize),
      });
      expect(put.status).toBe(200);
      etags.push({ partNumber: part.partNumber, etag: put.headers.get('etag')! });
    }

    const complete = await postJson(stack, plan.complete.url, {
      path: plan.path,
      uploadId: plan.uploadId,
      parts: etags,
    });
    expect(complete.status).toBe(200);
    expect(await complete.json()).toEqual({ bucket: stack.buckets.uploads, path: plan.path });
    const stored = await readBack(plan.bucket, plan.path);
    expect(stored.length).toBe(size);
    expect(stored.equals(bytes)).toBe(true);
  });

  it('is returned for sizes above 5 GiB, with parts of at least 64 MiB', async () => {
    const size = 5 * 1024 * MiB + 1;
    const response = await postJson(stack, '/uploads', { space: 'digitised', filename: 'huge.tar.gz', size });
    expect(response.status).toBe(201);
    const plan = (await response.json()) as { partSize: number; parts: { partNumber: number }[] };
    expect(plan.partSize).toBe(64 * MiB);
    expect(plan.parts).toHaveLength(81);
  });

  it('keeps the plan small enough for one response at the largest S3 object', async () => {
    const size = 5 * 1024 ** 4;
    const response = await postJson(stack, '/uploads', { space: 'digitised', filename: 'max.tar.gz', size });
    expect(response.status).toBe(201);
    const plan = (await response.json()) as { partSize: number; parts: unknown[] };
    expect(plan.parts.length).toBeLessThanOrEqual(2000);
    expect(plan.partSize * plan.parts.length).toBeGreaterThanOrEqual(size);
    expect(plan.partSize).toBeLessThanOrEqual(5 * 1024 ** 3);
  });
});

describe('POST /uploads: validation', () => {
  it.each([
    [
      { space: 'nowhere', filename: 'a.tar.gz', size: 1 },
      'Invalid value at .space: no space "nowhere" is available to this API key.',
    ],
    [{ space: '', filename: 'a.tar.gz', size: 1 }, 'Invalid value at .space: must not be empty.'],
    [
      { space: 'digitised', filename: '../a.tar.gz', size: 1 },
      'Invalid value at .filename: must be a plain file name without slashes, e.g. "b1234.tar.gz".',
    ],
    [
      { space: 'digitised', filename: '..', size: 1 },
      'Invalid value at .filename: must not contain "." or ".." segments.',
    ],
    [
      { space: 'digitised', filename: 'a.tar.gz', size: 0 },
      'Invalid value at .size: expected a positive integer, got 0.',
    ],
    [
      { space: 'digitised', filename: 'a.tar.gz', size: 1.5 },
      'Invalid value at .size: expected a positive integer, got 1.5.',
    ],
    [
      { space: 'digitised', filename: 'a.tar.gz', size: 5 * 1024 ** 4 + 1 },
      'Invalid value at .size: must be at most 5497558138880.',
    ],
    [
      { space: 'digitised', filename: 'a.tar.gz', size: 1, multipart: 'yes' },
      'Invalid value at .multipart: expected true or false, got "yes".',
    ],
    [
      { filename: 'a.tar.gz', size: '1', colour: 'red' },
      [
        'Invalid value at .space: required property not supplied.',
        'Invalid value at .size: expected a positive integer, got "1".',
        'Invalid value at .colour: unknown field; valid fields are: space, filename, size, multipart.',
      ].join('\n'),
    ],
  ])('refuses %j', async (body, description) => {
    expect(await errorOf(await postJson(stack, '/uploads', body), 400)).toBe(description);
  });

  it('refuses a space the key cannot use with the same words as an unknown one', async () => {
    const { createApiKey } = await import('../../lambdas/auth/api-key-repository.ts');
    await createApiKey(
      { user: 'digitiser', spaces: ['digitised'], roles: ['ingest'] },
      'digitiser-secret-0123456789',
    );
    const response = await postJson(
      stack,
      '/uploads',
      { space: 'born-digital', filename: 'a.tar.gz', size: 1 },
      { key: 'digitiser:digitiser-secret-0123456789' },
    );
    expect(await errorOf(response, 400)).toBe(
      'Invalid value at .space: no space "born-digital" is available to this API key.',
    );
  });

  it('answers 415 for a non-JSON content type', async () => {
    const response = await stack.api('/uploads', {
      method: 'POST',
      body: 'space=digitised',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(await errorOf(response, 415)).toContain('application/json');
  });
});

describe('POST /uploads/complete: validation', () => {
  it.each([
    [
      { path: 'nowhere/x/a.tar.gz', uploadId: 'u', parts: [{ partNumber: 1, etag: 'e' }] },
      'Invalid value at .path: no space "nowhere" is available to this API key.',
    ],
    [
      { path: 'digitised/x/a.tar.gz', uploadId: 'u', parts: [] },
      'Invalid value at .parts: must hold from 1 to 10000 items, got 0.',
    ],
    [
      { path: 'digitised/x/a.tar.gz', uploadId: 'u', parts: [{ partNumber: 0, etag: 'e' }, { etag: 'e' }] },
      [
        'Invalid value at .parts[0].partNumber: expected a positive integer, got 0.',
        'Invalid value at .parts[1].partNumber: required property not supplied.',
      ].join('\n'),
    ],
    [
      {
        path: 'digitised/x/a.tar.gz',
        uploadId: 'u',
        parts: [
          { partNumber: 1, etag: 'e' },
          { partNumber: 1, etag: 'f' },
        ],
      },
      'Invalid value at .parts: part 1 is listed more than once.',
    ],
  ])('refuses %j', async (body, description) => {
    expect(await errorOf(await postJson(stack, '/uploads/complete', body), 400)).toBe(description);
  });
});
