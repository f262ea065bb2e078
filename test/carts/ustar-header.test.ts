/** The tar headers the bundles use, read back by tar-stream (an independent reader). */
import { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import {
  BLOCK,
  END_OF_ARCHIVE,
  memberBytes,
  memberHeader,
  paddedSize,
  paxRecord,
  type TarMember,
} from '../../lambdas/carts/tar/ustar-header.ts';

async function readHeaders(archive: Buffer): Promise<Header[]> {
  const headers: Header[] = [];
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      headers.push(header);
      stream.on('end', next);
      stream.resume();
    });
    reader.on('finish', resolve);
    reader.on('error', reject);
  });
  Readable.from([archive]).pipe(reader);
  await done;
  return headers;
}

function archiveOf(members: TarMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const member of members) {
    parts.push(memberHeader(member), Buffer.alloc(paddedSize(member.size)));
  }
  return Buffer.concat([...parts, END_OF_ARCHIVE]);
}

const mtime = 1_700_000_000;

describe('tar member headers', () => {
  it('writes a plain ustar block for a short ASCII path, with a valid checksum', async () => {
    const header = memberHeader({ path: 'a/b.txt', size: 5, mtime });
    expect(header.length).toBe(BLOCK);
    expect(header.subarray(257, 263).toString()).toBe('ustar\0');
    const [read] = await readHeaders(archiveOf([{ path: 'a/b.txt', size: 5, mtime }]));
    expect(read).toMatchObject({ name: 'a/b.txt', size: 5, type: 'file', mode: 0o644 });
    expect(read?.mtime?.getTime()).toBe(mtime * 1000);
  });

  it('uses a pax path record for paths over 100 bytes and for non-ASCII paths', async () => {
    const long = `${'x'.repeat(150)}/${'y'.repeat(120)}.bin`;
    const accented = 'notes/café-ñ.txt';
    for (const path of [long, accented])
      expect(memberHeader({ path, size: 1, mtime }).length).toBeGreaterThan(BLOCK);
    const read = await readHeaders(
      archiveOf([
        { path: long, size: 1, mtime },
        { path: accented, size: 2, mtime },
      ]),
    );
    expect(read.map((header) => header.name)).toEqual([long, accented]);
  });

  it('takes exactly 100 ASCII bytes without pax', () => {
    expect(memberHeader({ path: 'p'.repeat(100), size: 0, mtime }).length).toBe(BLOCK);
    expect(memberHeader({ path: 'p'.repeat(101), size: 0, mtime }).length).toBe(3 * BLOCK);
  });

  it('records sizes beyond the 8 GiB of the octal field in pax', () => {
    const size = 20 * 1024 ** 3 + 1;
    const header = memberHeader({ path: 'huge.bin', size, mtime });
    expect(header.toString('latin1')).toContain(paxRecord('size', String(size)));
    expect(memberBytes({ path: 'huge.bin', size, mtime })).toBe(header.length + paddedSize(size));
  });

  it('counts its own digits in a pax record length', () => {
    for (const value of ['a', 'b'.repeat(90), 'c'.repeat(995), 'é'.repeat(50)]) {
      const record = paxRecord('path', value);
      expect(Number(record.slice(0, record.indexOf(' ')))).toBe(Buffer.byteLength(record));
    }
  });
});
