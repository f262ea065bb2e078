import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../../lambdas/aws-clients.ts';
import { storageManifestKey } from '../../lambdas/storage/storage-layout.ts';
import { createApiKey } from '../../lambdas/auth/api-key-repository.ts';
import { ensureSpace } from '../../lambdas/spaces/space-repository.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { errorOf } from '../support/api-client.ts';
import { type StoredBag, storeBag } from '../support/stored-bag.ts';

let stack: TestStack;
let b1234: StoredBag[];
let slashed: StoredBag;
const DIGITISER = 'digitiser:digitiser-secret-0123456789';
const page1 = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256));

beforeAll(async () => {
  stack = await startTestStack();
  await createApiKey(
    { user: 'digitiser', spaces: ['digitised'], roles: ['read'] },
    'digitiser-secret-0123456789',
  );
  const bagit = { path: 'bagit.txt', content: 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n' };
  const b1234v1 = await storeBag({
    externalIdentifier: 'b1234',
    files: [
      bagit,
      { path: 'data/page-001.tif', content: page1 },
      { path: 'data/notes.txt', content: 'first version\n' },
      { path: 'data/fetched.txt', content: 'only v1 holds these bytes\n' },
    ],
  });
  const b1234v2 = await storeBag({
    externalIdentifier: 'b1234',
    version: 'v2',
    files: [
      bagit,
      { path: 'data/notes.txt', content: 'second version\n' },
      { path: 'data/naïve "quoted".txt', content: 'awkward name\n' },
    ],
    fetched: { 'data/page-001.tif': 'v1', 'data/fetched.txt': 'v1' },
  });
  b1234 = [b1234v1, b1234v2];
  slashed = await storeBag({
    externalIdentifier: 'PP/CRI/J 2.1',
    files: [{ path: 'data/a.txt', content: 'slashes\n' }],
  });
});
afterAll(async () => {
  await stack?.destroy();
});

const json = async <T = unknown>(response: Response) => (await response.json()) as T;

describe('GET /bags/{space}/{externalIdentifier}', () => {
  it('returns the latest storage manifest', async () => {
    const response = await stack.api('/bags/digitised/b1234');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await json(response)).toEqual(b1234[1]!.manifest);
  });

  it('returns an earlier version with ?version=', async () => {
    expect(await json(await stack.api('/bags/digitised/b1234?version=v1'))).toEqual(b1234[0]!.manifest);
  });

  it('finds identifiers with slashes, raw and URL-encoded', async () => {
    for (const path of ['/bags/digitised/PP/CRI/J%202.1', '/bags/digitised/PP%2FCRI%2FJ%202.1']) {
      const response = await stack.api(path);
      expect(response.status, path).toBe(200);
      expect(await json(response)).toEqual(slashed.manifest);
    }
  });

  it.each([
    ['/bags/digitised/b9999', 'Storage manifest digitised/b9999 not found'],
    ['/bags/digitised/b1234?version=v3', 'Storage manifest digitised/b1234 v3 not found'],
    ['/bags/born-digital/b1234', 'Storage manifest born-digital/b1234 not found'],
    ['/bags/digitised/b1234/', 'Storage manifest digitised/b1234/ not found'],
  ])('answers 404 for %s', async (path, description) => {
    expect(await errorOf(await stack.api(path), 404)).toBe(description);
  });

  it('refuses a version that is not one', async () => {
    expect(await errorOf(await stack.api('/bags/digitised/b1234?version=2'), 400)).toBe(
      'Invalid value at version: got "2", expected a version such as v1.',
    );
  });

  it('answers a key that cannot use the space exactly as for a missing bag', async () => {
    const hidden = await storeBag({
      space: 'born-digital',
      externalIdentifier: 'secret',
      files: [{ path: 'data/a.txt', content: 'x' }],
    });
    expect((await stack.api(`/bags/born-digital/${hidden.externalIdentifier}`)).status).toBe(200);
    const response = await stack.api('/bags/born-digital/secret', { key: DIGITISER });
    expect(await errorOf(response, 404)).toBe('Storage manifest born-digital/secret not found');
    const versions = await stack.api('/bags/born-digital/secret/versions', { key: DIGITISER });
    expect(await errorOf(versions, 404)).toBe('No storage manifest versions found for born-digital/secret');
    const file = await stack.api('/bags/born-digital/secret/files/data/a.txt', { key: DIGITISER });
    expect(file.status).toBe(404);
  });

  it('redirects (307) to a presigned URL when the manifest is too big for a response', async () => {
    const big = await storeBag({
      externalIdentifier: 'big',
      files: [{ path: 'data/a.txt', content: 'a' }],
      paddingEntries: 40_000,
    });
    const response = await stack.api('/bags/digitised/big');
    expect(response.status).toBe(307);
    const location = response.headers.get('location') as string;
    expect(location).toContain('X-Amz-Signature=');
    const fetched = await fetch(location);
    expect(fetched.status).toBe(200);
    const text = await fetched.text();
    expect(text.length).toBeGreaterThan(5_000_000);
    expect(JSON.parse(text)).toEqual(big.manifest);
  });
});

describe('GET /bags/{space}/{externalIdentifier}/versions', () => {
  const expected = (versions: string[]) => ({
    type: 'ResultList',
    results: versions.map((version) => ({
      type: 'Bag',
      id: 'digitised/b1234',
      version,
      createdDate: b1234[Number(version.slice(1)) - 1]!.manifest.createdDate,
    })),
  });

  it('lists versions newest first', async () => {
    expect(await json(await stack.api('/bags/digitised/b1234/versions'))).toEqual(expected(['v2', 'v1']));
  });

  it('lists only versions before ?before=', async () => {
    expect(await json(await stack.api('/bags/digitised/b1234/versions?before=v2'))).toEqual(expected(['v1']));
  });

  it('works for identifiers with slashes, raw and URL-encoded', async () => {
    for (const path of [
      '/bags/digitised/PP/CRI/J 2.1/versions',
      '/bags/digitised/PP%2FCRI%2FJ%202.1/versions',
    ]) {
      const body = await json<{ results: { id: string; version: string }[] }>(await stack.api(path));
      expect(body.results.map((result) => [result.id, result.version])).toEqual([
        ['digitised/PP/CRI/J 2.1', 'v1'],
      ]);
    }
  });

  it.each([
    ['/bags/digitised/b1234/versions?before=v1', 'No storage manifest versions found for digitised/b1234'],
    ['/bags/digitised/b9999/versions', 'No storage manifest versions found for digitised/b9999'],
  ])('answers 404 for %s', async (path, description) => {
    expect(await errorOf(await stack.api(path), 404)).toBe(description);
  });

  it('refuses a ?before= that is not a version', async () => {
    expect(await errorOf(await stack.api('/bags/digitised/b1234/versions?before=latest'), 400)).toBe(
      'Invalid value at before: got "latest", expected a version such as v1.',
    );
  });
});

describe('GET /bags/{space}/{externalIdentifier}/files/{path}', () => {
  async function download(path: string) {
    const response = await stack.api(path);
    expect(response.status, path).toBe(302);
    const location = response.headers.get('location') as string;
    expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe('900');
    // As a browser or `curl -L` would: no Authorization header on the S3 request.
    const object = await fetch(location);
    expect(object.status).toBe(200);
    return { object, bytes: Buffer.from(await object.arrayBuffer()) };
  }

  it('redirects to the exact bytes, named for download', async () => {
    const { object, bytes } = await download('/bags/digitised/b1234/files/data/page-001.tif?version=v1');
    expect(bytes.equals(page1)).toBe(true);
    expect(object.headers.get('content-disposition')).toBe('attachment; filename="page-001.tif"');
  });

  it('serves the latest version by default', async () => {
    const { bytes } = await download('/bags/digitised/b1234/files/data/notes.txt');
    expect(bytes.toString()).toBe('second version\n');
    const earlier = await download('/bags/digitised/b1234/files/data/notes.txt?version=v1');
    expect(earlier.bytes.toString()).toBe('first version\n');
  });

  it('serves a file that came through fetch.txt from the version holding its bytes', async () => {
    const { bytes } = await download('/bags/digitised/b1234/files/data/fetched.txt?version=v2');
    expect(bytes.toString()).toBe('only v1 holds these bytes\n');
    expect((await download('/bags/digitised/b1234/files/data/page-001.tif')).bytes.equals(page1)).toBe(true);
  });

  it('serves a fetched file from the stored-file index alone, without reading the storage manifest', async () => {
    await storeBag({
      externalIdentifier: 'b-fetch-index',
      files: [{ path: 'data/kept.txt', content: 'v1 bytes\n' }],
    });
    const v2 = await storeBag({
      externalIdentifier: 'b-fetch-index',
      version: 'v2',
      files: [{ path: 'data/new.txt', content: 'new\n' }],
      fetched: { 'data/kept.txt': 'v1' },
    });
    // A manifest that cannot be read (gone, or too big to parse in the API function) is never needed.
    await s3().send(
      new DeleteObjectCommand({
        Bucket: stack.buckets.primary,
        Key: storageManifestKey(v2.space, v2.externalIdentifier, 'v2'),
      }),
    );
    const { bytes } = await download('/bags/digitised/b-fetch-index/files/data/kept.txt?version=v2');
    expect(bytes.toString()).toBe('v1 bytes\n');
    expect(
      await errorOf(await stack.api('/bags/digitised/b-fetch-index/files/data/none.txt?version=v2'), 404),
    ).toBe('File not found: data/none.txt in digitised/b-fetch-index v2');
  });

  it('serves tag files too', async () => {
    const { bytes } = await download('/bags/digitised/b1234/files/bagit.txt');
    expect(bytes.toString()).toContain('BagIt-Version: 1.0');
  });

  it('names a file with quotes and non-ASCII letters safely', async () => {
    const path = `/bags/digitised/b1234/files/${encodeURIComponent('data/naïve "quoted".txt')}`;
    const { object, bytes } = await download(path);
    expect(bytes.toString()).toBe('awkward name\n');
    expect(object.headers.get('content-disposition')).toBe(
      `attachment; filename="na_ve _quoted_.txt"; filename*=UTF-8''na%C3%AFve%20%22quoted%22.txt`,
    );
  });

  it('works for identifiers with slashes, raw and URL-encoded', async () => {
    for (const path of [
      '/bags/digitised/PP/CRI/J 2.1/files/data/a.txt',
      '/bags/digitised/PP%2FCRI%2FJ%202.1/files/data%2Fa.txt',
    ]) {
      expect((await download(path)).bytes.toString()).toBe('slashes\n');
    }
  });

  it.each([
    [
      '/bags/digitised/b1234/files/data/missing.tif',
      'File not found: data/missing.tif in digitised/b1234 v2',
    ],
    [
      '/bags/digitised/b1234/files/data/page-001.tif?version=v7',
      'Storage manifest digitised/b1234 v7 not found',
    ],
    ['/bags/digitised/b9999/files/data/page-001.tif', 'Storage manifest digitised/b9999 not found'],
  ])('answers 404 for %s', async (path, description) => {
    expect(await errorOf(await stack.api(path), 404)).toBe(description);
  });

  it('refuses (409) an object in cold storage, pointing at carts', async () => {
    await storeBag({
      externalIdentifier: 'cold',
      files: [{ path: 'data/frozen.tif', content: 'deep archive' }],
      storageClass: 'DEEP_ARCHIVE',
    });
    const description = await errorOf(await stack.api('/bags/digitised/cold/files/data/frozen.tif'), 409);
    expect(description).toBe(
      'data/frozen.tif in digitised/cold v1 is in cold storage (DEEP_ARCHIVE) and cannot be downloaded directly: request it through a cart (POST /carts/{cartId}), which restores it first.',
    );
  });

  it('tells a bag whose identifier has a "files" segment from a file of a shorter one', async () => {
    const shelf = await storeBag({
      externalIdentifier: 'shelf',
      files: [{ path: 'data/box', content: 'a file called box' }],
    });
    const nested = await storeBag({
      externalIdentifier: 'shelf/files/box',
      files: [{ path: 'data/x', content: 'x' }],
    });
    expect(await json(await stack.api('/bags/digitised/shelf/files/box'))).toEqual(nested.manifest);
    expect((await download('/bags/digitised/shelf/files/data/box')).bytes.toString()).toBe(
      'a file called box',
    );
    expect(shelf.manifest.id).toBe('digitised/shelf');
  });
});

describe('GET /bags?space=', () => {
  beforeAll(async () => {
    await ensureSpace('bag-list', 'Bag lists');
    for (const id of ['c3', 'b2'])
      await storeBag({ space: 'bag-list', externalIdentifier: id, files: [{ path: 'data/x', content: id }] });
    await storeBag({
      space: 'bag-list',
      externalIdentifier: 'a1',
      files: [{ path: 'data/x', content: 'a1' }],
    });
    await storeBag({
      space: 'bag-list',
      externalIdentifier: 'a1',
      version: 'v2',
      files: [
        { path: 'data/x', content: 'a1 v2' },
        { path: 'data/y', content: 'y' },
      ],
    });
  });

  type Page = {
    type: string;
    results: { id: string; version: string; size: number; fileCount: number }[];
    next?: string;
  };

  it('lists each bag once with its latest version, page by page', async () => {
    const results: Page['results'] = [];
    let next: string | undefined;
    do {
      const response = await stack.api(`/bags?space=bag-list&limit=2${next ? `&next=${next}` : ''}`);
      expect(response.status).toBe(200);
      const page = await json<Page>(response);
      expect(page.type).toBe('ResultList');
      results.push(...page.results);
      next = page.next;
    } while (next);
    expect(results.map((bag) => bag.id)).toEqual(['bag-list/a1', 'bag-list/b2', 'bag-list/c3']);
    expect(results[0]).toMatchObject({ version: 'v2', size: 6, fileCount: 2 });
    expect(results[1]).toEqual({
      type: 'Bag',
      id: 'bag-list/b2',
      space: { id: 'bag-list' },
      externalIdentifier: 'b2',
      version: 'v1',
      size: 2,
      fileCount: 1,
      createdDate: '2026-01-01T00:00:00.000Z',
    });
  });

  it.each([
    ['/bags', 400, 'Invalid value at space: required query parameter not supplied.'],
    [
      '/bags?space=bag-list&next=bm90LWEtY3Vyc29y',
      400,
      'Invalid value at next: the cursor is not one this list issued.',
    ],
    ['/bags?space=nowhere', 404, 'Space not found: nowhere'],
  ])('refuses %s', async (path, status, description) => {
    expect(await errorOf(await stack.api(path), status)).toBe(description);
  });

  it('answers 404 for a space the key cannot use', async () => {
    expect(await errorOf(await stack.api('/bags?space=bag-list', { key: DIGITISER }), 404)).toBe(
      'Space not found: bag-list',
    );
  });
});
