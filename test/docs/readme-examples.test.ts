import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { postJson } from '../support/api-client.ts';
import { untar } from '../support/cart-client.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * The README's curl examples, run as written (one bash script, in README order, so the ids one
 * block captures are there for the next) against a local stack. Only the documented defaults are
 * replaced: the API and S3 addresses (the test stack runs on free ports) and the admin key.
 */
const SECTIONS = [
  'Ingest a bag with curl',
  'Fixity and preservation history',
  'Carts (Pacifica cartd)',
  'API keys',
  'Spaces and quotas',
  'Deleting a bag (two people)',
];

/** The first ```sh block under each `### heading`. */
function readmeBlocks(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  return SECTIONS.map((section) => {
    const start = readme.indexOf(`### ${section}\n`);
    const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
    if (start < 0 || !block?.[1]) throw new Error(`README has no sh block under "### ${section}"`);
    return block[1];
  });
}

let stack: TestStack;
let work: string;
const log: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ log: (line) => log.push(line) });
  work = await mkdtemp(join(tmpdir(), 'bagvault-readme-'));
  const bag = identifiedBag('b1234', {
    'data/page-001.tif': Buffer.from('not really a tiff, but bytes all the same'),
  });
  await writeFile(join(work, 'b1234.tar.gz'), await bagToTarGz(bag, 'b1234/'));
  for (const [user, roles] of [
    ['requester', ['read', 'delete-request']],
    ['approver', ['read', 'delete-approve']],
  ] as const) {
    const response = await postJson(stack, '/keys', { user, spaces: ['digitised'], roles });
    const { key } = (await response.json()) as { key: string };
    process.env[user === 'requester' ? 'README_AUTH_A' : 'README_AUTH_B'] = `Authorization: ApiKey ${key}`;
  }
});
afterAll(async () => {
  await stack?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the README', () => {
  it('runs its curl examples as written: every request succeeds and the cart holds the file', async () => {
    const script = readmeBlocks()
      .join('\n')
      .split('\n')
      .filter((line) => !/^(API|KEY)=/.test(line))
      .join('\n')
      .replaceAll('http://127.0.0.1:4569', stack.s3Endpoint);
    const prelude = [
      'set -euo pipefail',
      `API=${stack.apiUrl}`,
      `KEY='${stack.adminKey}'`,
      'AUTH_A="$README_AUTH_A"',
      'AUTH_B="$README_AUTH_B"',
    ].join('\n');
    const run = await promisify(execFile)('bash', ['-c', `${prelude}\n${script}`], {
      cwd: work,
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`${error.message}\n${error.stdout}\n${error.stderr}`);
    });
    expect(run.stdout).toContain('"status": "succeeded"');

    const requests = log
      .map((line) => JSON.parse(line) as { message: string; method: string; path: string; status: number })
      .filter((entry) => entry.message === 'request' && !entry.path.startsWith('/keys'));
    expect(requests.length).toBeGreaterThan(15);
    // The one documented refusal: the deleted bag's manifest (409 while deleting, then 410).
    const refused = requests.filter(
      (entry) =>
        entry.status >= 400 && !(entry.path === '/bags/digitised/b1234' && [409, 410].includes(entry.status)),
    );
    expect(refused).toEqual([]);

    const tar = join(work, 'my_cart.tar');
    expect(existsSync(tar)).toBe(true);
    const files = await untar(readFileSync(tar));
    expect(files.get('1/2/3/page-001.tif')?.toString()).toBe('not really a tiff, but bytes all the same');
    expect(existsSync(join(work, 'page.tif'))).toBe(true);
  }, 300_000);
});
