import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiveRefusedError } from '../../lambdas/archive/archive-refused-error.ts';
import { Inflation } from '../../lambdas/archive/inflation.ts';
import { scratchDirectory } from '../fixtures/scratch.ts';

const scratch = await scratchDirectory();
afterAll(() => scratch.cleanup());

async function file(name: string, content: Uint8Array): Promise<string> {
  const path = join(scratch.path, name);
  await writeFile(path, content);
  return path;
}

async function inflated(inflation: Inflation): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let chunk = await inflation.chunks.next(); chunk; chunk = await inflation.chunks.next())
    chunks.push(chunk);
  await inflation.fed;
  return Buffer.concat(chunks);
}

describe('Inflation', () => {
  const text = Buffer.from('the quick brown fox '.repeat(50_000));

  it('gunzips a file read in one block or in several', async () => {
    const path = await file('text.gz', gzipSync(text));
    expect((await inflated(Inflation.ofFile(path, 1 << 20))).equals(text)).toBe(true);
    expect((await inflated(Inflation.ofFile(path, 1000))).equals(text)).toBe(true);
  });

  it('reads a file through reused buffers without handing zlib bytes it has not taken yet', async () => {
    // Incompressible: zlib takes each read's bytes slowly enough that the next read comes first,
    // and a buffer read into again before zlib took it would change what is inflated.
    const random = randomBytes(3 << 20);
    const path = await file('random.gz', gzipSync(random, { level: 1 }));
    for (const readBytes of [4096, 65_536, 1 << 20])
      expect((await inflated(Inflation.ofFile(path, readBytes, { chunkBytes: 16_384 }))).equals(random)).toBe(
        true,
      );
  });

  it("fails with zlib's own reason for a corrupt file read through reused buffers", async () => {
    const compressed = gzipSync(randomBytes(1 << 20), { level: 1 });
    compressed[compressed.length >> 1] ^= 0xff;
    const path = await file('corrupt.gz', compressed);
    const failure = await inflated(Inflation.ofFile(path, 8192)).catch((error: unknown) => error);
    expect((failure as NodeJS.ErrnoException).code).toMatch(/^Z_/);
  });

  it('closes the file and settles when the reader stops partway (e.g. on a refused entry)', async () => {
    const path = await file('stopped.gz', gzipSync(randomBytes(4 << 20), { level: 1 }));
    const realPath = realpathSync(path);
    // Whether this process holds the file open (Linux names each open file under /proc/self/fd).
    const isOpen = () =>
      readdirSync('/proc/self/fd').some((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === realPath;
        } catch {
          return false;
        }
      });
    const inflation = Inflation.ofFile(path, 4096, { chunkBytes: 16_384, queuedBytes: 16_384 });
    await inflation.chunks.next();
    expect(isOpen()).toBe(true);
    inflation.destroy();
    await expect(inflation.fed).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isOpen()).toBe(false);
  });

  it('has the first block read and handed to zlib before ofFile returns (it needs no turn of the event loop)', async () => {
    const compressed = gzipSync(text);
    const path = await file('gone.gz', compressed);
    const inflation = Inflation.ofFile(path, compressed.length + 1);
    // Whatever happens to the file afterwards, its content was already taken.
    await truncate(path, 0);
    expect((await inflated(inflation)).equals(text)).toBe(true);
  });

  it.each([
    ['empty', Buffer.alloc(0), 'is empty'],
    ['one byte of gzip magic', Buffer.from([0x1f]), 'is not gzip-compressed'],
    ['not gzip', Buffer.from('plain text'), 'is not gzip-compressed'],
  ])(
    'refuses a file that is %s at the reader, as a stream would be refused',
    async (name, content, reason) => {
      const path = await file(`${name}.bin`, content);
      for (const inflation of [
        Inflation.ofFile(path, 4096, { archiveName: 'x.tar.gz' }),
        new Inflation((await import('node:fs')).createReadStream(path), { archiveName: 'x.tar.gz' }),
      ]) {
        const failure = await inflated(inflation).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(ArchiveRefusedError);
        expect((failure as Error).message).toBe(`Archive "x.tar.gz" ${reason}`);
      }
    },
  );

  it('throws at once, as opening would, for a file that cannot be opened', () => {
    expect(() => Inflation.ofFile(join(scratch.path, 'missing.gz'), 4096)).toThrow(/ENOENT/);
  });
});
