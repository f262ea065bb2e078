import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBag, withFile } from '../fixtures/bag-builder.ts';
import { scratchDirectory, writeBagDirectory } from '../fixtures/scratch.ts';
import { bagToTarGz, buildTar, buildTarGz, type TarEntry } from '../fixtures/tar-builder.ts';

const NODE = 'node_modules/.bin/node';
const NODE_PATH = join(process.cwd(), NODE);
const ENTRY = join(process.cwd(), 'bin/bagvault.js');
const scratch = await scratchDirectory();
afterAll(() => scratch.cleanup());

function bagvault(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return bagvaultWith(process.env, ...args);
}

function bagvaultWith(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(NODE, ['bin/bagvault.js', ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

async function file(name: string, content: Buffer): Promise<string> {
  const path = join(scratch.path, name);
  await writeFile(path, content);
  return path;
}

const files = buildBag({ payload: { 'data/a.txt': 'alpha', 'data/b.txt': 'bravo' } });

describe('bagvault validate', () => {
  it('exits 0 on a valid bag directory', async () => {
    const directory = await writeBagDirectory(files, join(scratch.path, 'valid'));
    const result = await bagvault('validate', directory);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('valid bag');
  });

  it('keeps the stripped TypeScript of every module from the first one in the user cache, silently, and runs the same from it', async () => {
    const cache = join(scratch.path, 'xdg-cache');
    const directory = await writeBagDirectory(files, join(scratch.path, 'cached'));
    const env = { ...process.env, XDG_CACHE_HOME: cache };
    const cold = await bagvaultWith(env, 'validate', directory);
    expect(cold).toMatchObject({ code: 0, stderr: '' });
    const [versionDirectory] = await readdir(join(cache, 'bagvault'));
    const entries = await readdir(join(cache, 'bagvault', versionDirectory));
    expect(entries.filter((name) => name.endsWith('.js')).length).toBeGreaterThan(10);
    // The command itself comes from the cache too: a run that strips even one module starts
    // Node's TypeScript compiler, about 30 ms before anything else happens.
    const command = createHash('sha256')
      .update(await readFile('cli/validate.ts', 'utf8'))
      .digest('hex');
    expect(entries).toContain(`${command}.js`);
    expect(await bagvaultWith(env, 'validate', directory)).toEqual(cold);
  });

  it('exits 0 on a valid tar.gz, with warnings on stderr unless --quiet', async () => {
    const archive = await file(
      'md5.tar.gz',
      await bagToTarGz(buildBag({ payload: { 'data/a': 'a' }, algorithms: ['md5'] })),
    );
    const loud = await bagvault('validate', archive);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toContain(
      'warning: The payload manifests use only md5; sha256 or sha512 is recommended',
    );
    expect(await bagvault('validate', '--quiet', archive)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('exits 0 on a sha224-only bag, warning that the ingest wants sha256 or sha512', async () => {
    const bag = buildBag({ payload: { 'data/a': 'a' }, algorithms: ['sha224'], version: '0.97' });
    const result = await bagvault('validate', await file('sha224.tar.gz', await bagToTarGz(bag)));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'warning: The payload manifests use only sha224; sha256 or sha512 is recommended',
    );
  });

  it('exits 1 on an invalid bag with every reason on stderr', async () => {
    const broken = withFile(withFile(files, 'data/a.txt', 'tampered'), 'data/b.txt', 'tampered too');
    const directory = await writeBagDirectory(broken, join(scratch.path, 'invalid'));
    const result = await bagvault('validate', '--quiet', directory);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Unable to verify 2 files in the bag: data/a.txt (checksum), data/b.txt (checksum)',
    );
  });

  const good: TarEntry[] = [...files].map(([path, content]) => ({ name: `bag/${path}`, content }));
  const hostile: [string, () => Promise<Buffer>, string][] = [
    ['not gzip', () => buildTar(good), 'is not gzip-compressed'],
    ['truncated gzip', async () => (await buildTarGz(good)).subarray(0, 100), 'the gzip stream ends early'],
    [
      'corrupt gzip',
      async () => {
        const archive = Buffer.from(await buildTarGz(good));
        archive[archive.length - 8] ^= 0xff;
        return archive;
      },
      'gzip data error',
    ],
    [
      'truncated tar',
      async () => gzipSync((await buildTar(good)).subarray(0, 700)),
      'the tar data ends inside an entry',
    ],
    ['duplicate entry', () => buildTarGz([...good, good[1]]), 'appears twice'],
    [
      'absolute path',
      () => buildTarGz([...good, { name: '/tmp/x', content: 'x' }]),
      'escapes the bag: absolute path',
    ],
    [
      '.. segment',
      () => buildTarGz([...good, { name: 'bag/../../x', content: 'x' }]),
      'escapes the bag: ".." path segment',
    ],
    [
      'symlink',
      () => buildTarGz([...good, { name: 'bag/data/l', type: 'symlink', linkname: '/' }]),
      'is a symbolic link',
    ],
    [
      'hard link',
      () => buildTarGz([...good, { name: 'bag/data/h', type: 'link', linkname: 'bag/bagit.txt' }]),
      'is a hard link',
    ],
    [
      'device',
      () => buildTarGz([...good, { name: 'bag/data/d', type: 'block-device' }]),
      'is a block-device',
    ],
    ['fifo', () => buildTarGz([...good, { name: 'bag/data/f', type: 'fifo' }]), 'is a FIFO'],
  ];

  it.each(hostile)('exits 1 on a hostile archive: %s', async (name, build, reason) => {
    const archive = await file(`${name.replace(/\W/g, '-')}.tar.gz`, await build());
    const result = await bagvault('validate', archive);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(reason);
  });

  it.each([
    ['no path', []],
    ['two paths', ['a', 'b']],
    ['an unknown option', ['--loud', '.']],
    ['a path that does not exist', ['/nonexistent/bag']],
  ])('exits 2 for usage errors: %s', async (_name, args) => {
    const result = await bagvault('validate', ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: bagvault validate PATH [--quiet]');
  });

  it('takes a PATH that starts with a dash after --', async () => {
    await file('-bag.tar.gz', await bagToTarGz(files, 'bag/'));
    const inScratch = (...args: string[]) =>
      new Promise<number>((resolve) =>
        execFile(NODE_PATH, [ENTRY, 'validate', ...args], { cwd: scratch.path }, (error) =>
          resolve(error ? (error.code as number) : 0),
        ),
      );
    expect(await inScratch('-q', '-bag.tar.gz'), 'an unknown option').toBe(2);
    expect(await inScratch('-q', '--', '-bag.tar.gz')).toBe(0);
  });

  it('exits 2 for an unknown command', async () => {
    const result = await bagvault('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: bagvault');
  });
});
