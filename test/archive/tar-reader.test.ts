import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ArchiveRefusedError } from '../../lambdas/archive/archive-refused-error.ts';
import { DirectorySink } from '../../lambdas/archive/directory-sink.ts';
import { unpackArchive, type UnpackLimits } from '../../lambdas/archive/unpack.ts';
import type { UnpackedFile } from '../../lambdas/archive/unpack-sink.ts';
import { verifyArchive } from '../../lambdas/bagit/verify-archive.ts';
import { buildBag } from '../fixtures/bag-builder.ts';
import { unpackWorkspace } from '../fixtures/unpack-workspace.ts';

/**
 * Archives no well-behaved writer makes, written byte by byte, read by both users of the tar reader:
 * the ingest's unpack (names must become S3 keys) and `bagvault validate` (verifyArchive). Each must
 * be refused for the same reason on both, and leave nothing behind.
 */

const workspace = unpackWorkspace();

interface RawEntry {
  name: string;
  /** Content, or only a declared size (the content then is whatever follows). */
  content?: Buffer | string;
  size?: number;
  /** The 12-byte size field as written, overriding `size`. */
  sizeField?: Buffer;
  typeflag?: string;
  magic?: 'ustar' | 'gnu' | 'none';
  linkname?: string;
}

function header(entry: RawEntry): Buffer {
  const block = Buffer.alloc(512);
  block.write(entry.name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  const size = entry.size ?? Buffer.byteLength(entry.content ?? '');
  if (entry.sizeField) entry.sizeField.copy(block, 124);
  else block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write(entry.typeflag ?? '0', 156);
  if (entry.linkname) block.write(entry.linkname, 157, 100, 'utf8');
  const magic = entry.magic ?? 'ustar';
  if (magic === 'ustar') block.write('ustar\x0000', 257, 'latin1');
  if (magic === 'gnu') block.write('ustar  \0', 257, 'latin1');
  block.fill(' ', 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

function record(entry: RawEntry): Buffer {
  const content = Buffer.from(entry.content ?? '');
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header(entry), content, padding]);
}

/** A pax record "LENGTH key=value\n" with its length computed. */
function pax(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length++;
  return `${length}${body}`;
}

const END = Buffer.alloc(1024);
const bag = buildBag({ payload: { 'data/a.txt': 'alpha' }, oxum: false });
const bagEntries = (): Buffer[] =>
  [...bag].map(([path, content]) => record({ name: `bag/${path}`, content }));
const tarOf = (...parts: Buffer[]) => Buffer.concat([...bagEntries(), ...parts]);

/** The reason both paths give, checking that the ingest's unpack leaves nothing behind. */
async function refusedOnBothPaths(tar: Buffer, limits?: UnpackLimits): Promise<string> {
  const archive = gzipSync(tar);
  const root = workspace.target();
  let unpackReason: string | undefined;
  try {
    await unpackArchive(Readable.from([archive]), new DirectorySink(root), {
      hashPool: workspace.pool,
      archiveName: 'bag.tar.gz',
      limits,
    });
  } catch (error) {
    expect(error).toBeInstanceOf(ArchiveRefusedError);
    unpackReason = (error as ArchiveRefusedError).reason;
  }
  expect(unpackReason, 'the ingest refuses it').toBeDefined();
  expect(existsSync(root), 'a refused archive leaves nothing behind').toBe(false);
  const verification = await verifyArchive(() => Readable.from([archive]), {
    archiveName: 'bag.tar.gz',
    hashPool: workspace.pool,
    limits,
  });
  expect(verification.valid).toBe(false);
  expect(verification.failures, 'validate gives the same reason').toEqual([unpackReason]);
  return unpackReason as string;
}

describe('the tar reader refuses, on the ingest and the validate path alike,', () => {
  it('tar data that ends inside an entry body or its padding', async () => {
    const whole = tarOf(record({ name: 'bag/data/b.txt', content: 'x'.repeat(1000) }), END);
    for (const cut of [
      bagEntries().reduce((n, b) => n + b.length, 0) + 512 + 100,
      whole.length - 1024 - 10,
    ]) {
      expect(await refusedOnBothPaths(whole.subarray(0, cut))).toBe(
        'Archive "bag.tar.gz" is truncated: the tar data ends inside an entry',
      );
    }
  });

  it('a header whose checksum does not match', async () => {
    const bad = header({ name: 'bag/data/b.txt', content: 'b' });
    bad[20] ^= 0x20;
    expect(await refusedOnBothPaths(tarOf(bad, Buffer.alloc(512), END))).toBe(
      'Archive "bag.tar.gz" is corrupt: invalid tar header',
    );
  });

  it('a header of no known format (neither ustar nor GNU)', async () => {
    expect(
      await refusedOnBothPaths(tarOf(record({ name: 'bag/data/b.txt', content: 'b', magic: 'none' }), END)),
    ).toBe('Archive "bag.tar.gz" is corrupt: invalid tar header');
  });

  it('a path that climbs out through a pax header or a GNU long name', async () => {
    const climbing = `bag/data/${'x'.repeat(120)}/../../../../etc/passwd`;
    const viaPax = record({ name: 'PaxHeaders/a', typeflag: 'x', content: pax('path', climbing) });
    expect(
      await refusedOnBothPaths(tarOf(viaPax, record({ name: 'bag/data/ok.txt', content: 'x' }), END)),
    ).toBe(`Archive entry ${JSON.stringify(climbing)} escapes the bag: ".." path segment`);
    const viaGnu = record({ name: '././@LongLink', typeflag: 'L', magic: 'gnu', content: `${climbing}\0` });
    expect(
      await refusedOnBothPaths(
        tarOf(viaGnu, record({ name: 'bag/data/ok.txt', content: 'x', magic: 'gnu' }), END),
      ),
    ).toBe(`Archive entry ${JSON.stringify(climbing)} escapes the bag: ".." path segment`);
  });

  it('a link whose target only a pax header names', async () => {
    const viaPax = record({ name: 'PaxHeaders/l', typeflag: 'x', content: pax('linkpath', '/etc/shadow') });
    expect(await refusedOnBothPaths(tarOf(viaPax, record({ name: 'bag/data/l', typeflag: '2' }), END))).toBe(
      'Archive entry "bag/data/l" is a symbolic link (to "/etc/shadow"); links are not allowed',
    );
  });

  it('a malformed pax record, or a pax size that is not a number', async () => {
    const malformed = record({ name: 'PaxHeaders/b', typeflag: 'x', content: '99 path=bag/data/b.txt\n' });
    const notNumber = record({ name: 'PaxHeaders/b', typeflag: 'x', content: pax('size', '12e3') });
    for (const extended of [malformed, notNumber]) {
      expect(
        await refusedOnBothPaths(tarOf(extended, record({ name: 'bag/data/b.txt', content: 'b' }), END)),
      ).toBe('Archive "bag.tar.gz" is corrupt: invalid tar header');
    }
  });

  it('a size beyond what a number holds exactly, or a negative one', async () => {
    const huge = Buffer.alloc(12, 0xff);
    huge[0] = 0x80; // base-256: 2^88 − 1
    const negative = Buffer.alloc(12, 0xff); // base-256 two's complement: −1
    for (const sizeField of [huge, negative]) {
      expect(await refusedOnBothPaths(tarOf(record({ name: 'bag/data/big', sizeField }), END))).toBe(
        'Archive "bag.tar.gz" is corrupt: invalid tar header',
      );
    }
  });

  it('a huge declared size: beyond the limit at once, else as truncated (nothing is allocated for it)', async () => {
    const terabyte = Buffer.alloc(12);
    terabyte[0] = 0x80;
    terabyte.writeUIntBE(2 ** 40, 6, 6);
    const tar = tarOf(record({ name: 'bag/data/big', sizeField: terabyte }), Buffer.alloc(4096), END);
    expect(await refusedOnBothPaths(tar, { maxBytes: 1 << 30 })).toBe(
      'Archive "bag.tar.gz" expands beyond the limit of 1073741824 bytes at entry "bag/data/big"',
    );
    expect(await refusedOnBothPaths(tar)).toBe(
      'Archive "bag.tar.gz" is truncated: the tar data ends inside an entry',
    );
  });

  it('a directory entry with content (another reader would take the content for headers)', async () => {
    const smuggled = record({ name: 'bag/data/x', typeflag: '2', linkname: '/' });
    const directory = Buffer.concat([header({ name: 'bag/data/d/', typeflag: '5', size: 512 }), smuggled]);
    expect(await refusedOnBothPaths(tarOf(directory, END))).toBe(
      'Archive "bag.tar.gz" is corrupt: invalid tar header',
    );
  });

  it('an entry hidden after the end-of-archive marker', async () => {
    const hidden = record({ name: 'bag/data/x', typeflag: '2', linkname: '/' });
    expect(await refusedOnBothPaths(tarOf(END, hidden, END))).toBe(
      'Archive entry "bag/data/x" is a symbolic link (to "/"); links are not allowed',
    );
  });

  it('bytes after the end that are not whole blocks', async () => {
    expect(await refusedOnBothPaths(tarOf(END, Buffer.alloc(100)))).toBe(
      'Archive "bag.tar.gz" is truncated: the tar data ends inside an entry',
    );
  });
});

describe('the tar reader reads', () => {
  async function files(tar: Buffer): Promise<UnpackedFile[]> {
    const result = await unpackArchive(
      Readable.from([gzipSync(tar)]),
      new DirectorySink(workspace.target('ok')),
      {
        hashPool: workspace.pool,
        listFiles: true,
      },
    );
    return result.list as UnpackedFile[];
  }

  it('a ustar prefix, pax path and size, a GNU long name and old-style directories', async () => {
    const long = `bag/data/${'p'.repeat(130)}/é.txt`;
    const listed = await files(
      Buffer.concat([
        record({ name: 'bag/', typeflag: '\0' }),
        record({ name: 'PaxHeaders/1', typeflag: 'x', content: pax('path', long) + pax('size', '3') }),
        record({ name: 'ignored', size: 999, content: 'abc' }),
        record({
          name: '././@LongLink',
          typeflag: 'L',
          magic: 'gnu',
          content: `bag/data/${'g'.repeat(150)}\0`,
        }),
        record({ name: 'short', content: 'gnu', magic: 'gnu' }),
        END,
      ]),
    );
    expect(listed.map((file) => [file.path, file.size])).toEqual([
      [long, 3],
      [`bag/data/${'g'.repeat(150)}`, 3],
    ]);
  });

  it('headers and bodies split across decompressed chunks at every offset', async () => {
    const tar = tarOf(record({ name: 'bag/data/b.bin', content: Buffer.alloc(3000, 7) }), END);
    const gz = gzipSync(tar);
    for (const size of [1, 7, 511, 513]) {
      const pieces = Array.from({ length: Math.ceil(gz.length / size) }, (_, i) =>
        gz.subarray(i * size, (i + 1) * size),
      );
      const result = await unpackArchive(
        Readable.from(pieces),
        new DirectorySink(workspace.target('split')),
        {
          hashPool: workspace.pool,
          listFiles: true,
        },
      );
      expect(result.list?.map((file) => file.size)).toEqual(
        [...bag.values()].map((c) => c.length).concat(3000),
      );
    }
  });
});
