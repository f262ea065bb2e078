import { PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBag, without, type BagFiles } from '../fixtures/bag-builder.ts';
import { scratchDirectory, writeBagDirectory } from '../fixtures/scratch.ts';
import { untar } from '../support/cart-client.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';
import { bagvault, cliEnvironment } from './run-bagvault.ts';

let stack: TestStack;
const scratch = await scratchDirectory('bagvault-cli-bags-');
const id = `cli-${randomUUID().slice(0, 8)}`;
const env = () => cliEnvironment(stack, { BAGVAULT_STATE_DIR: join(scratch.path, 'state') });

const page = randomBytes(200_000);
const v1 = buildBag({
  payload: { 'data/page-001.tif': page, 'data/notes/café.txt': 'version one\n' },
  info: [['External-Identifier', id]],
  tagAlgorithms: ['sha256'],
});
/** v2 changes the notes and takes the page from v1 through fetch.txt. */
const v2 = without(
  buildBag({
    payload: { 'data/page-001.tif': page, 'data/notes/café.txt': 'version two\n' },
    info: [['External-Identifier', id]],
    fetch: `s3://bagvault-primary/digitised/${id}/v1/data/page-001.tif ${page.length} data/page-001.tif\n`,
    tagAlgorithms: ['sha256'],
  }),
  'data/page-001.tif',
);

async function ingest(files: BagFiles, name: string, ...flags: string[]) {
  const directory = await writeBagDirectory(files, join(scratch.path, name, id));
  const result = await bagvault(['ingest', directory, '--space', 'digitised', '--wait', ...flags], env());
  expect(result.code, result.stderr).toBe(0);
}

async function filesUnder(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(relative(root, path), await readFile(path));
    }
  }
  return files;
}

beforeAll(async () => {
  stack = await startTestStack();
  await ingest(v1, 'v1');
  await ingest(v2, 'v2', '--update');
}, 60_000);
afterAll(async () => {
  await stack?.destroy();
  await scratch.cleanup();
});

describe('bagvault bag', () => {
  it('show and versions print the storage manifest and the versions, newest first', async () => {
    const show = await bagvault(['bag', 'show', `digitised/${id}`, '--version', 'v1'], env());
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`digitised/${id} v1`);
    expect(show.stdout).toContain('payload     2 files, 200.0 KB (SHA-256)');
    const json = await bagvault(['bag', 'show', `digitised/${id}`, '--json'], env());
    expect((JSON.parse(json.stdout) as { version: string }).version).toBe('v2');
    const versions = await bagvault(['bag', 'versions', `digitised/${id}`, '--json'], env());
    expect((JSON.parse(versions.stdout) as { version: string }[]).map((v) => v.version)).toEqual([
      'v2',
      'v1',
    ]);
  });

  it('export writes v2 as a complete bag, fetched files included, that bagvault validate accepts', async () => {
    const out = join(scratch.path, 'export-v2');
    const result = await bagvault(['bag', 'export', `digitised/${id}`, out], env());
    expect(result.code, result.stderr).toBe(0);
    const exported = await filesUnder(out);
    const expected = new Map([...v2].filter(([path]) => path !== 'fetch.txt'));
    expected.set('data/page-001.tif', page);
    const tagManifest = expected.get('tagmanifest-sha256.txt')!.toString('utf8');
    expected.set('tagmanifest-sha256.txt', Buffer.from(tagManifest.replace(/^.* {2}fetch\.txt\n/m, '')));
    expect([...exported.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, bytes] of expected) expect(exported.get(path)?.equals(bytes), path).toBe(true);

    const validate = await bagvault(['validate', out], env());
    expect(validate, validate.stderr).toMatchObject({ code: 0, stderr: '' });
  });

  it('export of an earlier version with --version, and refuses a directory that is not empty', async () => {
    const out = join(scratch.path, 'export-v1');
    const result = await bagvault(['bag', 'export', `digitised/${id}`, '--version', 'v1', out], env());
    expect(result.code, result.stderr).toBe(0);
    const exported = await filesUnder(out);
    for (const [path, bytes] of v1) expect(exported.get(path)?.equals(bytes), path).toBe(true);
    expect(exported.size).toBe(v1.size);
    expect((await bagvault(['validate', '--quiet', out], env())).code).toBe(0);

    const again = await bagvault(['bag', 'export', `digitised/${id}`, out], env());
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists and is not empty');
  });

  it('export fails naming a file whose stored bytes no longer match the manifest, and leaves nothing', async () => {
    const key = `digitised/${id}/v1/data/notes/café.txt`;
    await localS3(stack).send(
      new PutObjectCommand({ Bucket: stack.buckets.primary, Key: key, Body: 'version ONE\n' }),
    );
    const out = join(scratch.path, 'export-corrupt');
    const result = await bagvault(['bag', 'export', `digitised/${id}`, '--version', 'v1', out], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('data/notes/café.txt does not match the storage manifest');
    expect((await readdir(scratch.path)).filter((name) => name.includes('export-corrupt'))).toEqual([]);
  });

  it('names a bag that does not exist with the server 404, exit 1', async () => {
    const result = await bagvault(
      ['bag', 'export', 'digitised/no-such-bag', join(scratch.path, 'none')],
      env(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'answered 404 Not Found: Storage manifest digitised/no-such-bag not found',
    );
    expect(await readdir(scratch.path)).not.toContain('none');
  });

  it('events and fixity answer now that the routes exist (lambdas/fixity, lambdas/preservation-events)', async () => {
    for (const command of ['events', 'fixity']) {
      const result = await bagvault(['bag', command, `digitised/${id}`], env());
      expect(result.code, result.stderr).toBe(0);
    }
  });

  it('exits 2 naming a malformed bag id or version', async () => {
    const noSlash = await bagvault(['bag', 'show', 'digitised'], env());
    expect(noSlash.code).toBe(2);
    expect(noSlash.stderr).toContain('bad bag "digitised"');
    const badVersion = await bagvault(['bag', 'show', `digitised/${id}`, '--version', '2'], env());
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toContain('bad --version "2"');
  });
});

describe('bagvault cart', () => {
  it('create --bag, status --wait and download yield the stored files byte-identical', async () => {
    const cartId = `cart-${randomUUID()}`;
    const created = await bagvault(['cart', 'create', cartId, '--bag', `digitised/${id}`], env());
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim()).toBe(cartId);
    const status = await bagvault(['cart', 'status', cartId, '--wait', '--json'], env());
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ cartId, status: 'ready' });

    const output = join(scratch.path, 'my_cart.tar');
    const downloaded = await bagvault(['cart', 'download', cartId, '-o', output], env());
    expect(downloaded.code, downloaded.stderr).toBe(0);
    const bundle = await untar(await readFile(output));
    const expected = new Map([...v2]);
    expected.set('data/page-001.tif', page);
    expect([...bundle.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, bytes] of expected) expect(bundle.get(path)?.equals(bytes), path).toBe(true);

    const deleted = await bagvault(['cart', 'delete', cartId], env());
    expect(deleted).toMatchObject({ code: 0, stdout: 'Cart Deleted Successfully\n' });
    const gone = await bagvault(['cart', 'status', cartId], env());
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`cart ${cartId} not found`);
  });

  it('create --fileids posts a Pacifica fileids.json, and download --wait waits for the bundle', async () => {
    const cartId = randomUUID();
    const fileids = join(scratch.path, 'fileids.json');
    await writeFile(
      fileids,
      JSON.stringify({
        fileids: [
          {
            id: `digitised/${id}/v2/data/notes/café.txt`,
            path: 'a/b/notes.txt',
            hashtype: 'md5',
            hashsum: '',
          },
        ],
      }),
    );
    expect((await bagvault(['cart', 'create', cartId, '--fileids', fileids], env())).code).toBe(0);
    const directory = join(scratch.path, 'downloads');
    await mkdir(directory);
    const downloaded = await bagvault(
      ['cart', 'download', cartId, '--wait', '--json', '-o', join(directory, 'n.tar')],
      env(),
    );
    expect(downloaded.code, downloaded.stderr).toBe(0);
    const bundle = await untar(await readFile(join(directory, 'n.tar')));
    expect(bundle.get('a/b/notes.txt')?.toString()).toBe('version two\n');
  });

  it('refuses a bad cart id (exit 2) and a cart with unknown files (exit 1, the server reason)', async () => {
    const bad = await bagvault(['cart', 'status', 'not a cart id'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad cart id "not a cart id"');
    const fileids = join(scratch.path, 'unknown.json');
    await writeFile(
      fileids,
      JSON.stringify({ fileids: [{ id: 'digitised/x/v1/data/a', path: 'a', hashtype: 'md5', hashsum: '' }] }),
    );
    const refused = await bagvault(['cart', 'create', '--fileids', fileids], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('No stored file with these ids in your spaces: digitised/x/v1/data/a');
  });
});
