/**
 * Pacifica cartd's documented usage, with curl and GNU tar as a user runs them (SPEC §5.5):
 *   curl -X POST --upload-file fileids.json $API/carts/$ID
 *   curl -I $API/carts/$ID                      (until X-Pacifica-Status: ready)
 *   curl -L -O -J "$API/carts/$ID?filename=my_cart.tar"
 *   tar -xf my_cart.tar
 * curl drops the Authorization header when the redirect leaves for the S3 endpoint (another port),
 * which is what S3 requires of every client.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { storeBag, type StoredFile } from '../support/stored-bag.ts';

const run = promisify(execFile);
let stack: TestStack;
let work: string;

beforeAll(async () => {
  stack = await startTestStack();
  work = await mkdtemp(join(tmpdir(), 'bagvault-curl-'));
});
afterAll(async () => {
  await stack?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

async function curl(args: string[], cwd = work) {
  const { stdout } = await run('curl', ['-sS', '-H', `Authorization: ApiKey ${stack.adminKey}`, ...args], {
    cwd,
    encoding: 'utf8',
  });
  return stdout;
}

const LONG_DIRECTORY = `${'deeply-nested-directory-name/'.repeat(5)}with-more`;

describe("Pacifica's curl usage", () => {
  let files: StoredFile[];
  const wanted = new Map<string, StoredFile>();

  beforeAll(async () => {
    ({ files } = await storeBag({
      externalIdentifier: 'b-curl/part 1',
      files: [
        { path: 'data/foo.txt', content: 'Pacifica says hello\n' },
        { path: 'data/images/page-001.tif', content: randomBytes(2 * 1024 * 1024 + 3) },
        { path: 'data/notes/café.txt', content: 'non-ASCII names travel in pax headers\n' },
        { path: 'data/empty', content: '' },
      ],
      algorithms: ['sha256', 'sha1'],
    }));
  });

  it('saves my_cart.tar whose files are byte-identical to the stored ones at the requested paths', async () => {
    const cartId = randomUUID();
    const [foo, page, cafe, empty] = files as [StoredFile, StoredFile, StoredFile, StoredFile];
    const entries = [
      // Pacifica's own example: an md5 with an empty hashsum (the manifest has none: sha256 decides).
      { id: foo.id, path: '1/2/3/foo.txt', hashtype: 'md5', hashsum: '' },
      {
        id: page.id,
        path: `${LONG_DIRECTORY}/page-001.tif`,
        hashtype: 'sha256',
        hashsum: page.checksums.sha256,
      },
      { id: cafe.id, path: 'notes/café.txt', hashtype: 'sha1', hashsum: cafe.checksums.sha1?.toUpperCase() },
      { id: empty.id, path: 'empty', hashtype: 'sha256', hashsum: '' },
    ];
    entries.forEach((entry, index) => wanted.set(entry.path, files[index] as StoredFile));
    expect(Buffer.byteLength(entries[1]!.path)).toBeGreaterThan(100);
    await writeFile(join(work, 'fileids.json'), JSON.stringify({ fileids: entries }));

    const created = await curl([
      '-X',
      'POST',
      '--upload-file',
      'fileids.json',
      `${stack.apiUrl}/carts/${cartId}`,
    ]);
    expect(JSON.parse(created)).toEqual({ message: 'Cart Processing has begun' });

    let headers = '';
    for (let attempt = 0; attempt < 400 && !/x-pacifica-status: (ready|error)/i.test(headers); attempt++) {
      headers = await curl(['-I', `${stack.apiUrl}/carts/${cartId}`]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(headers).toMatch(/^HTTP\/1\.1 204/);
    expect(headers).toMatch(/x-pacifica-status: ready/i);

    await curl(['-L', '-O', '-J', '--fail', `${stack.apiUrl}/carts/${cartId}?filename=my_cart.tar`]);
    const out = join(work, 'out');
    await mkdir(out);
    await run('tar', ['-xf', join(work, 'my_cart.tar'), '-C', out]);
    const { stdout: listing } = await run('tar', ['-tf', join(work, 'my_cart.tar')], { encoding: 'utf8' });
    expect(listing.trim().split('\n').sort()).toEqual([...wanted.keys()].sort());
    for (const [path, stored] of wanted) {
      expect((await readFile(join(out, path))).equals(stored.content as Buffer), path).toBe(true);
    }
  });
});
