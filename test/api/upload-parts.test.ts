/**
 * SPEC §5.1 / issue 11: a 150 GB upload outlives its first presigned part URLs, so
 * `POST /uploads/parts` signs new ones for an upload in progress, only for a key that may use the
 * upload's space.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../lambdas/auth/api-key-repository.ts';
import { errorOf, postJson } from '../support/api-client.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

let stack: TestStack;
let bornDigitalOnly: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ apiKey: bornDigitalOnly } = await createApiKey({
    user: 'born-digital-archivist',
    spaces: ['born-digital'],
    roles: ['ingest', 'read'],
  }));
});
afterAll(async () => {
  await stack?.destroy();
});

interface Plan {
  bucket: string;
  path: string;
  uploadId: string;
  partSize: number;
  parts: { partNumber: number; url: string }[];
}

async function multipartPlan(size: number): Promise<Plan> {
  const response = await postJson(stack, '/uploads', {
    space: 'digitised',
    filename: 'video.tar.gz',
    size,
    multipart: true,
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Plan;
}

describe('POST /uploads/parts', () => {
  it('signs new part URLs once the plan has expired, and they finish the upload', async () => {
    const size = 64 * 1024 ** 2 + 5;
    // Handlers run in this process and read their settings when they use them.
    process.env.BAGVAULT_PRESIGN_EXPIRES_SECONDS = '1';
    let plan: Plan;
    try {
      plan = await multipartPlan(size);
    } finally {
      delete process.env.BAGVAULT_PRESIGN_EXPIRES_SECONDS;
    }
    const bytes = Buffer.alloc(size, 3);
    bytes.write('first', 0);
    bytes.write('last', size - 4);
    const first = bytes.subarray(0, plan.partSize);
    const second = bytes.subarray(plan.partSize);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await fetch(plan.parts[1]!.url, { method: 'PUT', body: second });
    expect(expired.status).toBe(403);

    const reissued = await postJson(stack, '/uploads/parts', {
      path: plan.path,
      uploadId: plan.uploadId,
      partNumbers: [2, 1],
    });
    expect(reissued.status).toBe(200);
    const fresh = (await reissued.json()) as Plan & { expires: string };
    expect(fresh).toMatchObject({ bucket: plan.bucket, path: plan.path, uploadId: plan.uploadId });
    expect(fresh.parts.map((part) => part.partNumber)).toEqual([1, 2]);
    expect(Date.parse(fresh.expires) - Date.now()).toBeGreaterThan(10 * 60_000);
    const etags = [];
    for (const [index, body] of [first, second].entries()) {
      const put = await fetch(fresh.parts[index]!.url, { method: 'PUT', body });
      expect(put.status).toBe(200);
      etags.push({ partNumber: index + 1, etag: put.headers.get('etag')! });
    }

    const complete = await postJson(stack, '/uploads/complete', {
      path: plan.path,
      uploadId: plan.uploadId,
      parts: etags,
    });
    expect(complete.status).toBe(200);
    const stored = await localS3(stack).send(new GetObjectCommand({ Bucket: plan.bucket, Key: plan.path }));
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });

  it("gives a key of another space nothing for this space's upload: 404, no URL", async () => {
    const plan = await multipartPlan(1024);
    const attack = await postJson(
      stack,
      '/uploads/parts',
      { path: plan.path, uploadId: plan.uploadId, partNumbers: [1] },
      { key: bornDigitalOnly },
    );
    const description = await errorOf(attack, 404);
    expect(description).toBe(
      `No multipart upload ${JSON.stringify(plan.uploadId)} is in progress at this path for this API key.`,
    );
    // The same answer as for an upload that does not exist at all.
    const unknown = await postJson(
      stack,
      '/uploads/parts',
      { path: 'digitised/nothing/here.tar.gz', uploadId: plan.uploadId, partNumbers: [1] },
      { key: bornDigitalOnly },
    );
    expect(await errorOf(unknown, 404)).toBe(description);
  });

  const body = (fields: Record<string, unknown>) => ({
    path: 'digitised/a/b.tar.gz',
    uploadId: 'u',
    partNumbers: [1],
    ...fields,
  });
  it.each([
    [
      'a path out of its space',
      body({ path: 'digitised/../born-digital/x.tar.gz' }),
      /^Invalid value at \.path: /,
    ],
    ['an upload id with a slash', body({ uploadId: '../u' }), /^Invalid value at \.uploadId: /],
    ['no part', body({ partNumbers: [] }), /^Invalid value at \.partNumbers: /],
    ['a part number above 10,000', body({ partNumbers: [10_001] }), /^Invalid value at \.partNumbers\[0\]: /],
    ['a part twice', body({ partNumbers: [2, 2] }), /part 2 is listed more than once/],
    [
      'more parts than one answer holds',
      body({ partNumbers: Array.from({ length: 2001 }, (_, i) => i + 1) }),
      /^Invalid value at \.partNumbers: must hold from 1 to 2000 items/,
    ],
  ])('refuses %s with a 400', async (_name, request, description) => {
    expect(await errorOf(await postJson(stack, '/uploads/parts', request), 400)).toMatch(description);
  });
});
