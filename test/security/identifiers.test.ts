/**
 * SPEC §3: one definition of a safe key segment and a safe relative path, used by bag identifiers,
 * cart paths, unpacked entry names and upload filenames. Each refusal is shown where a client meets
 * it (HTTP against the local stack), and nothing is written for a refused request.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseEntryPath } from '../../lambdas/archive/entry-path.ts';
import { MAX_S3_KEY_BYTES, relativePathProblem } from '../../lambdas/safe-path.ts';
import { errorOf, postJson } from '../support/api-client.ts';
import { ingestRequest } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

const ingestWithIdentifier = (externalIdentifier: string) =>
  postJson(
    stack,
    '/ingests',
    ingestRequest({
      space: 'digitised',
      externalIdentifier,
      path: `digitised/${randomUUID()}/b.tar.gz`,
      bucket: stack.buckets.uploads,
    }),
  );

describe('bag identifiers (externalIdentifier)', () => {
  it.each([
    ['x/../../digitised/future-bag', 'must not contain "." or ".." segments.'],
    ['x/../../../../ESCAPED', 'must not contain "." or ".." segments.'],
    ['a/./b', 'must not contain "." or ".." segments.'],
    [
      'a/.hidden',
      'must not contain a path segment that starts or ends with a space or a dot (found ".hidden").',
    ],
    ['a/b./c', 'must not contain a path segment that starts or ends with a space or a dot (found "b.").'],
    ['a/ b', 'must not contain a path segment that starts or ends with a space or a dot (found " b").'],
    ['a /b', 'must not contain a path segment that starts or ends with a space or a dot (found "a ").'],
    ['b1234/v2/part', 'must not contain a path segment of the form vN (found "v2").'],
    ['b1234/versions', 'must not end with "/versions".'],
    ['a//b', 'must not contain "//".'],
    ['a  b', 'must not contain double spaces.'],
    ['/abs', 'must start and end with a letter or digit.'],
    ['a/', 'must start and end with a letter or digit.'],
    ['caf\u00e9', 'must contain only letters, digits, spaces and the characters - _ / .'],
    ['a\u0000b', 'must contain only letters, digits, spaces and the characters - _ / .'],
    ['a'.repeat(513), 'must be at most 512 characters.'],
  ])('refuses %j with a 400 naming the rule', async (identifier, rule) => {
    const description = await errorOf(await ingestWithIdentifier(identifier), 400);
    expect(description).toBe(`Invalid value at .bag.info.externalIdentifier: ${rule}`);
  });

  it('accepts the longest identifier and nested ones with dots inside segments', async () => {
    for (const identifier of ['a'.repeat(512), 'collection/box 1/file.v2-final'])
      expect((await ingestWithIdentifier(identifier)).status, identifier).toBe(201);
  });

  it('writes nothing for a refused identifier, in any bucket', async () => {
    await ingestWithIdentifier('x/../../../../ESCAPED');
    for (const bucket of [stack.buckets.primary, stack.buckets.replica, stack.buckets.unpack]) {
      const listed = await localS3(stack).send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(
        (listed.Contents ?? []).map((object) => object.Key).filter((key) => key?.includes('ESCAPED')),
      ).toEqual([]);
    }
  });
});

describe('upload filenames', () => {
  const upload = (filename: string) =>
    postJson(stack, '/uploads', { space: 'digitised', filename, size: 10 });

  it.each([
    ['..', 'must not contain "." or ".." segments.'],
    ['.', 'must not contain "." or ".." segments.'],
    ['', 'must not be empty.'],
    ['a\u0000.tar.gz', 'must not contain NUL or other control characters.'],
    ['a\u007f.tar.gz', 'must not contain NUL or other control characters.'],
    ['../../x.tar.gz', 'must be a plain file name without slashes, e.g. "b1234.tar.gz".'],
    ['a\\b.tar.gz', 'must be a plain file name without slashes, e.g. "b1234.tar.gz".'],
    ['\u00e9'.repeat(462), 'must be at most 923 bytes (UTF-8).'],
  ])('refuses %j with a 400 naming the rule', async (filename, rule) => {
    expect(await errorOf(await upload(filename), 400)).toBe(`Invalid value at .filename: ${rule}`);
  });

  it('refuses completing a multipart upload at a path with ".." segments', async () => {
    const body = { path: 'digitised/../../ESCAPED', uploadId: 'abc', parts: [{ partNumber: 1, etag: 'e' }] };
    expect(await errorOf(await postJson(stack, '/uploads/complete', body), 400)).toBe(
      'Invalid value at .path: must not contain "." or ".." segments.',
    );
  });

  it('accepts any Unicode name whose key stays within 1,024 bytes', async () => {
    const response = await upload(`\u00e9${'a'.repeat(921)}`);
    expect(response.status).toBe(201);
    const { path } = (await response.json()) as { path: string };
    expect(Buffer.byteLength(path)).toBeLessThanOrEqual(MAX_S3_KEY_BYTES);
  });
});

describe('cart paths', () => {
  const cartWithPath = (path: string) =>
    postJson(stack, `/carts/${randomUUID()}`, {
      fileids: [{ id: 'digitised/b1/v1/data/a.txt', path, hashtype: 'sha256', hashsum: '' }],
    });

  it.each([
    ['a/../../etc/passwd', 'must not contain "." or ".." segments'],
    ['./a', 'must not contain "." or ".." segments'],
    ['/etc/passwd', 'must be relative (no leading "/")'],
    ['a//b', 'must not contain empty segments ("//" or a trailing "/")'],
    ['a/', 'must not contain empty segments ("//" or a trailing "/")'],
    ['a\u0000b', 'must not contain NUL or other control characters'],
    ['a\nb', 'must not contain NUL or other control characters'],
    ['..\\..\\x', 'must use "/" between segments, not "\\"'],
    ['x'.repeat(1025), 'must be at most 1024 bytes (UTF-8)'],
  ])('refuses %j with a 400 naming the rule', async (path, rule) => {
    expect(await errorOf(await cartWithPath(path), 400)).toBe(`Invalid value at .fileids[0].path: ${rule}.`);
  });
});

describe('unpacked entry names', () => {
  it.each([
    ['bag/data/a\u0001b.txt', 'must not contain NUL or other control characters'],
    ['bag/data/a\u0000b.txt', 'has a NUL byte in its name'],
    ['bag/../../x', 'escapes the bag: ".." path segment'],
    ['/etc/passwd', 'escapes the bag: absolute path'],
  ])('refuses %j', (name, problem) => {
    const result = normaliseEntryPath(name);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toContain(problem);
  });

  it('still reads "./a", "a//b" and a trailing "/" as plain relative paths', () => {
    expect(normaliseEntryPath('./bag//data/a.txt')).toEqual({ ok: true, path: 'bag/data/a.txt' });
    expect(normaliseEntryPath('bag/data/')).toEqual({ ok: true, path: 'bag/data' });
  });
});

describe('the one safe-path rule', () => {
  it('allows any Unicode and refuses each unsafe form', () => {
    expect(relativePathProblem('données/页面 1.tif', 100)).toBeUndefined();
    expect(relativePathProblem('a/../b', 100)).toMatch(/"\." or "\.\." segments/);
    expect(relativePathProblem('a/b', 2)).toMatch(/at most 2 bytes/);
  });
});
