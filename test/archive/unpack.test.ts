import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ArchiveRefusedError } from '../../lambdas/archive/archive-refused-error.ts';
import { DirectorySink } from '../../lambdas/archive/directory-sink.ts';
import { HashPool } from '../../lambdas/archive/hashing/hash-pool.ts';
import { MemorySink } from '../../lambdas/archive/memory-sink.ts';
import { unpackArchive, type UnpackOptions } from '../../lambdas/archive/unpack.ts';
import type { UnpackedFile } from '../../lambdas/archive/unpack-sink.ts';
import { unpackWorkspace } from '../fixtures/unpack-workspace.ts';
import { buildTar, buildTarGz, type TarEntry } from '../fixtures/tar-builder.ts';

const workspace = unpackWorkspace();

const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

async function unpack(archive: Buffer, options: UnpackOptions = {}) {
  const root = workspace.target();
  const files: UnpackedFile[] = [];
  const result = await unpackArchive(Readable.from([archive]), new DirectorySink(root), {
    hashPool: workspace.pool,
    archiveName: 'bag.tar.gz',
    onFile: (file) => {
      files.push(file);
    },
    ...options,
  });
  return { root, files, result };
}

/** Unpack into a directory that must not exist afterwards, returning the refusal reason. */
async function refusal(archive: Buffer, options: UnpackOptions = {}): Promise<string> {
  const root = workspace.target();
  try {
    await unpackArchive(Readable.from([archive]), new DirectorySink(root), {
      hashPool: workspace.pool,
      archiveName: 'bag.tar.gz',
      ...options,
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ArchiveRefusedError);
    expect(existsSync(root), 'a refused archive leaves nothing behind').toBe(false);
    return (error as ArchiveRefusedError).reason;
  }
  throw new Error('the archive was not refused');
}

const BAGIT_TXT = 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n';
const good: TarEntry[] = [
  { name: 'bag/', type: 'directory' },
  { name: 'bag/bagit.txt', content: BAGIT_TXT },
  { name: 'bag/data/a.txt', content: 'alpha' },
];

describe('unpacking a good archive', () => {
  it('stores every file under the sink root with its digests, in archive order', async () => {
    const { root, files, result } = await unpack(await buildTarGz(good), {
      digests: ['md5', 'sha1', 'sha256', 'sha512'],
    });
    expect(result).toEqual({ bytes: 59, files: 2, resumed: 0 });
    expect(files.map((file) => file.path)).toEqual(['bag/bagit.txt', 'bag/data/a.txt']);
    expect(files[1]).toEqual({
      path: 'bag/data/a.txt',
      size: 5,
      digests: {
        md5: createHash('md5').update('alpha').digest('hex'),
        sha1: createHash('sha1').update('alpha').digest('hex'),
        sha256: sha256('alpha'),
        sha512: createHash('sha512').update('alpha').digest('hex'),
      },
    });
    expect(await readFile(join(root, 'bag/data/a.txt'), 'utf8')).toBe('alpha');
  });

  it('ignores a leading ./ and skips directory entries', async () => {
    const { files } = await unpack(
      await buildTarGz([
        { name: './', type: 'directory' },
        { name: './data/', type: 'directory' },
        { name: './data/b', content: 'b' },
      ]),
      { listFiles: true },
    );
    expect(files.map((file) => file.path)).toEqual(['data/b']);
  });

  it('reads long and non-ASCII names from pax headers', async () => {
    const long = `bag/data/${'x'.repeat(150)}/${'é'.repeat(80)}.txt`;
    const { files } = await unpack(await buildTarGz([{ name: long, content: 'deep' }]));
    expect(files[0].path).toBe(long);
  });

  it('reads GNU long names', async () => {
    const source = join(workspace.path, 'gnu-source');
    const name = 'n'.repeat(180);
    await mkdir(join(source, 'bag', 'data'), { recursive: true });
    await writeFile(join(source, 'bag', 'data', name), 'gnu');
    const archive = join(workspace.path, 'gnu.tar.gz');
    execFileSync('tar', ['--format=gnu', '-czf', archive, '-C', source, 'bag']);
    const { files } = await unpack(await readFile(archive));
    expect(files.map((file) => file.path)).toEqual([`bag/data/${name}`]);
  });

  it('returns the list of files when asked, and hashes on the calling thread without a pool', async () => {
    const result = await unpackArchive(Readable.from([await buildTarGz(good)]), new MemorySink(() => true), {
      listFiles: true,
      hashPool: new HashPool({ threads: 0 }),
    });
    expect(result.list?.map((file) => file.digests.sha256)).toEqual([
      sha256('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'),
      sha256('alpha'),
    ]);
  });

  it('decides digests per file when given a function', async () => {
    const { files } = await unpack(await buildTarGz(good), {
      digests: (path) => (path.endsWith('a.txt') ? ['md5'] : []),
    });
    expect(files.map((file) => Object.keys(file.digests))).toEqual([[], ['md5']]);
  });
});

describe('resuming an interrupted unpack', () => {
  async function* listed(files: { path: string; size: number }[]) {
    yield* files;
  }

  it('reads past the files an earlier run stored, and stores and reports only the rest', async () => {
    const { root, files, result } = await unpack(await buildTarGz(good), {
      finished: listed([{ path: 'bag/bagit.txt', size: BAGIT_TXT.length }]),
    });
    expect(result).toEqual({ bytes: 59, files: 2, resumed: 1 });
    expect(files.map((file) => file.path)).toEqual(['bag/data/a.txt']);
    expect(existsSync(join(root, 'bag/bagit.txt')), 'a finished file is not written again').toBe(false);
    expect(await readFile(join(root, 'bag/data/a.txt'), 'utf8')).toBe('alpha');
  });

  it('still refuses a hostile entry after the finished ones', async () => {
    const archive = await buildTarGz([...good, { name: 'bag/data/a.txt', content: 'again' }]);
    expect(
      await refusal(archive, { finished: listed([{ path: 'bag/bagit.txt', size: BAGIT_TXT.length }]) }),
    ).toContain('appears twice');
  });

  it('trusts no checkpoint that does not list the archive as it is', async () => {
    const root = workspace.target();
    const run = unpackArchive(Readable.from([await buildTarGz(good)]), new DirectorySink(root), {
      hashPool: workspace.pool,
      finished: listed([{ path: 'bag/other.txt', size: BAGIT_TXT.length }]),
    });
    await expect(run).rejects.toThrow('The unpack checkpoint does not match archive');
  });

  it('keeps what was stored when asked and the failure is not a refusal, for the retry', async () => {
    const root = workspace.target();
    // Uncompressed, so the first entries are whole in the bytes that arrive before the failure.
    const archive = gzipSync(
      await buildTar([...good, { name: 'bag/data/b.bin', content: randomBytes(1 << 20) }]),
      {
        level: 0,
      },
    );
    const broken = Readable.from(
      (async function* () {
        yield archive.subarray(0, 1 << 19);
        await new Promise((resolve) => setTimeout(resolve, 200));
        throw new Error('connection reset');
      })(),
    );
    const run = unpackArchive(broken, new DirectorySink(root), {
      hashPool: workspace.pool,
      keepOnFailure: true,
    });
    await expect(run).rejects.toThrow('connection reset');
    expect(existsSync(join(root, 'bag/bagit.txt'))).toBe(true);
  });
});

describe('when hashing falls behind', () => {
  // Tiny buffers make nearly every write wait for the hashing threads: the digests must not care.
  const contents = Array.from({ length: 60 }, (_, i) => randomBytes((i * 7919) % 200_000));
  const entries = contents.map((content, i) => ({ name: `bag/data/f${i}.bin`, content }));

  it.each([
    ['a directory', (root: string) => new DirectorySink(root)],
    ['a hash-only sink', () => new MemorySink(() => false)],
  ])('still reports the right digests when writing to %s', async (_name, sink) => {
    const slowPool = new HashPool({ threads: 2, slabBytes: 4096, slabCount: 2, inlineCheapStreams: false });
    const files: UnpackedFile[] = [];
    await unpackArchive(Readable.from([await buildTarGz(entries)]), sink(workspace.target('slow')), {
      hashPool: slowPool,
      digests: ['sha256', 'md5'],
      onFile: (file) => {
        files.push(file);
      },
    });
    await slowPool.close();
    expect(files.map((file) => file.digests)).toEqual(
      contents.map((content) => ({
        sha256: sha256(content),
        md5: createHash('md5').update(content).digest('hex'),
      })),
    );
  });
});

describe('refusing hostile archives', () => {
  const hostile = (entry: TarEntry) => buildTarGz([...good, entry]);

  it('refuses what is not gzip', async () => {
    expect(await refusal(await buildTar(good))).toBe('Archive "bag.tar.gz" is not gzip-compressed');
  });

  it('refuses an empty file', async () => {
    expect(await refusal(Buffer.alloc(0))).toBe('Archive "bag.tar.gz" is empty');
  });

  it('refuses truncated gzip', async () => {
    const archive = await buildTarGz(good);
    expect(await refusal(archive.subarray(0, archive.length - 20))).toBe(
      'Archive "bag.tar.gz" is truncated: the gzip stream ends early',
    );
  });

  it('refuses corrupt gzip', async () => {
    const archive = Buffer.from(await buildTarGz(good));
    archive[archive.length - 8] ^= 0xff; // the CRC-32 of the uncompressed data
    expect(await refusal(archive)).toBe(
      'Archive "bag.tar.gz" is corrupt: gzip data error (incorrect data check)',
    );
  });

  it('refuses tar data that ends inside an entry', async () => {
    const tar = await buildTar(good);
    expect(await refusal(gzipSync(tar.subarray(0, 512 * 4 + 2)))).toBe(
      'Archive "bag.tar.gz" is truncated: the tar data ends inside an entry',
    );
  });

  it('refuses tar data without its end-of-archive marker', async () => {
    const tar = await buildTar(good);
    expect(await refusal(gzipSync(tar.subarray(0, 512 * 5)))).toBe(
      'Archive "bag.tar.gz" is truncated: the tar data has no end-of-archive marker',
    );
  });

  it('refuses a corrupt tar header', async () => {
    const tar = Buffer.from(await buildTar(good));
    tar[512 + 10] ^= 0x01; // inside the second header's name: its checksum no longer matches
    expect(await refusal(gzipSync(tar))).toBe('Archive "bag.tar.gz" is corrupt: invalid tar header');
  });

  it('refuses a duplicate entry', async () => {
    expect(await refusal(await hostile({ name: 'bag/data/a.txt', content: 'again' }))).toBe(
      'Archive entry "bag/data/a.txt" appears twice',
    );
  });

  it('refuses a duplicate spelled differently', async () => {
    expect(await refusal(await hostile({ name: './bag//data/./a.txt', content: 'again' }))).toBe(
      'Archive entry "./bag//data/./a.txt" appears twice',
    );
  });

  it('refuses an absolute path', async () => {
    expect(await refusal(await hostile({ name: '/etc/passwd', content: 'root' }))).toBe(
      'Archive entry "/etc/passwd" escapes the bag: absolute path',
    );
  });

  it('refuses ".." segments', async () => {
    expect(await refusal(await hostile({ name: '../etc/passwd', content: 'root' }))).toBe(
      'Archive entry "../etc/passwd" escapes the bag: ".." path segment',
    );
    expect(await refusal(await hostile({ name: 'bag/data/../../x', content: 'x' }))).toBe(
      'Archive entry "bag/data/../../x" escapes the bag: ".." path segment',
    );
  });

  it('refuses a name with a control character when the files become S3 keys (the ingest)', async () => {
    const lf = await hostile({ name: 'bag/data/line\nbreak.txt', content: 'lf' });
    const problem =
      'Archive entry "bag/data/line\\nbreak.txt" must not contain NUL or other control characters';
    expect(await refusal(lf)).toBe(problem);
    expect(await refusal(lf, { entryNames: 'storable' })).toBe(problem);
  });

  it('reads CR and LF in names when the archive is only read (validate), but never NUL or ".."', async () => {
    const names = ['bag/data/line\nbreak.txt', 'bag/data/carriage\rreturn.txt'];
    const odd = await buildTarGz([...good, ...names.map((name) => ({ name, content: 'odd' }))]);
    const { files } = await unpack(odd, { entryNames: 'readable' });
    expect(files.map((file) => file.path)).toEqual(expect.arrayContaining(names));
    expect(
      await refusal(await hostile({ name: 'bag/../x\n', content: 'x' }), { entryNames: 'readable' }),
    ).toBe('Archive entry "bag/../x\\n" escapes the bag: ".." path segment');
  });

  it('refuses symbolic links', async () => {
    expect(
      await refusal(await hostile({ name: 'bag/data/link', type: 'symlink', linkname: '/etc/passwd' })),
    ).toBe('Archive entry "bag/data/link" is a symbolic link (to "/etc/passwd"); links are not allowed');
  });

  it('refuses hard links', async () => {
    expect(
      await refusal(await hostile({ name: 'bag/data/hard', type: 'link', linkname: 'bag/data/a.txt' })),
    ).toBe('Archive entry "bag/data/hard" is a hard link (to "bag/data/a.txt"); links are not allowed');
  });

  it('refuses devices', async () => {
    expect(await refusal(await hostile({ name: 'bag/data/tty', type: 'character-device' }))).toBe(
      'Archive entry "bag/data/tty" is a character-device; only files are allowed',
    );
    expect(await refusal(await hostile({ name: 'bag/data/sda', type: 'block-device' }))).toBe(
      'Archive entry "bag/data/sda" is a block-device; only files are allowed',
    );
  });

  it('refuses FIFOs', async () => {
    expect(await refusal(await hostile({ name: 'bag/data/pipe', type: 'fifo' }))).toBe(
      'Archive entry "bag/data/pipe" is a FIFO; only files are allowed',
    );
  });

  it('refuses more entries than the limit', async () => {
    expect(await refusal(await buildTarGz(good), { limits: { maxFiles: 2 } })).toBe(
      'Archive "bag.tar.gz" has more than 2 entries (the limit) at entry "bag/data/a.txt"',
    );
  });

  it('refuses expansion beyond the byte limit', async () => {
    expect(await refusal(await buildTarGz(good), { limits: { maxBytes: 58 } })).toBe(
      'Archive "bag.tar.gz" expands beyond the limit of 58 bytes at entry "bag/data/a.txt"',
    );
  });

  it('refuses a file and a directory of the same name', async () => {
    expect(await refusal(await hostile({ name: 'bag/data/a.txt/inner', content: 'x' }))).toBe(
      'Archive entry "bag/data/a.txt/inner" is inside "bag/data/a.txt", which the archive has as a file',
    );
    expect(await refusal(await hostile({ name: 'bag/data', content: 'x' }))).toBe(
      'Archive entry "bag/data" is a file where the archive also has a directory',
    );
  });

  it('removes files already written when a later entry is refused', async () => {
    const root = join(workspace.path, 'partial');
    await mkdir(root);
    const archive = await hostile({ name: 'bag/data/link', type: 'symlink', linkname: 'a.txt' });
    await expect(
      unpackArchive(Readable.from([archive]), new DirectorySink(root), { hashPool: workspace.pool }),
    ).rejects.toThrow(ArchiveRefusedError);
    expect(await readdir(root)).toEqual([]);
  });
});

describe('DirectorySink', () => {
  it('never writes outside its root', async () => {
    const sink = new DirectorySink(join(workspace.path, 'sink-root'));
    await expect(sink.writeFile('../escape', 1, Readable.from([Buffer.from('x')]))).rejects.toThrow(
      /outside/,
    );
    expect(existsSync(join(workspace.path, 'escape'))).toBe(false);
  });

  it('never overwrites a file', async () => {
    const sink = new DirectorySink(join(workspace.path, 'sink-twice'));
    await sink.writeFile('a', 1, Readable.from([Buffer.from('x')]));
    await expect(sink.writeFile('a', 1, Readable.from([Buffer.from('y')]))).rejects.toThrow(/EEXIST/);
  });
});
