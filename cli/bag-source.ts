/**
 * What `bagvault ingest` uploads: a bag directory, streamed as a deterministic tar.gz, or a .tar.gz
 * file as it is. Deterministic means the same directory always gives the same bytes (entries sorted,
 * owner and mode fixed, whole-second mtimes, no gzip timestamp), which is what lets an interrupted
 * upload resume by re-streaming the archive and skipping the parts already sent.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { UsageError } from './usage-error.ts';

/** Fast compression: bags are mostly already-compressed images, where higher levels gain little. */
const GZIP_LEVEL = 1;
const BLOCK = 512;

export interface BagSource {
  /** The file name the upload gets, e.g. `b1234.tar.gz`. */
  filename: string;
  /** An upper bound on the archive's size (exact for a .tar.gz file). */
  maxArchiveBytes: number;
  /** The bytes the progress bar counts: payload read from disk. */
  inputBytes: number;
  /** Changes whenever a file is added, removed, resized or touched. */
  fingerprint: string;
  externalIdentifier(): Promise<string | undefined>;
  /** A fresh stream of the archive, calling `read` with the input bytes consumed so far. */
  open(read: (bytes: number) => void): Readable;
}

interface ListedFile {
  /** Path inside the archive, `/`-separated. */
  name: string;
  absolute: string;
  size: number;
  mtimeMs: number;
}

export async function bagSource(path: string): Promise<BagSource> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats?.isDirectory()) return directorySource(resolve(path));
  if (stats?.isFile()) return archiveSource(resolve(path), stats.size, stats.mtimeMs);
  throw new UsageError(`${path} is neither a bag directory nor a .tar.gz file`);
}

async function listFiles(root: string): Promise<ListedFile[]> {
  const top = basename(root);
  const files: ListedFile[] = [];
  const walk = async (directory: string) => {
    const entries = await readdir(directory, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absolute = join(directory, entry.name);
      if (entry.isDirectory()) await walk(absolute);
      else if (entry.isFile()) {
        const stats = await lstat(absolute);
        const name = `${top}/${relative(root, absolute).split(sep).join('/')}`;
        files.push({ name, absolute, size: stats.size, mtimeMs: stats.mtimeMs });
      } else {
        throw new Error(`${absolute} is not a regular file (a bag holds only files and directories)`);
      }
    }
  };
  await walk(root);
  return files;
}

/** ustar header + a pax header for long or non-ASCII names, and the data padded to whole blocks. */
const tarBytesOf = (file: ListedFile) =>
  3 * BLOCK + Buffer.byteLength(file.name) + Math.ceil(file.size / BLOCK) * BLOCK;

/** deflate never grows data by more than ~0.03% plus a few bytes; this bound is far above that. */
const gzipBound = (bytes: number) => bytes + Math.ceil(bytes / 1000) + 4096;

async function directorySource(root: string): Promise<BagSource> {
  const files = await listFiles(root);
  const fingerprint = createHash('sha256');
  for (const file of files) fingerprint.update(`${file.name}\0${file.size}\0${file.mtimeMs}\n`);
  const tarBytes = files.reduce((sum, file) => sum + tarBytesOf(file), 2 * BLOCK);
  return {
    filename: `${basename(root)}.tar.gz`,
    maxArchiveBytes: gzipBound(tarBytes + 20 * BLOCK),
    inputBytes: files.reduce((sum, file) => sum + file.size, 0),
    fingerprint: fingerprint.digest('hex'),
    async externalIdentifier() {
      const top = basename(root);
      const info =
        files.find((file) => file.name === `${top}/bag-info.txt`) ??
        files.find((file) => /^[^/]+\/[^/]+\/bag-info\.txt$/.test(file.name));
      return info ? externalIdentifierIn(await readFile(info.absolute)) : undefined;
    },
    open: (read) => tarGzOf(files, read),
  };
}

function tarGzOf(files: ListedFile[], read: (bytes: number) => void): Readable {
  // tar-stream is loaded here, not at start-up.
  const output = new PassThrough();
  void (async () => {
    const { pack: createPack } = await import('tar-stream');
    const pack = createPack();
    const written = pipeline(pack, createGzip({ level: GZIP_LEVEL }), output);
    let done = 0;
    try {
      for (const file of files) {
        const entry = pack.entry({
          name: file.name,
          size: file.size,
          mode: 0o644,
          mtime: new Date(Math.floor(file.mtimeMs / 1000) * 1000),
          uid: 0,
          gid: 0,
          uname: '',
          gname: '',
          type: 'file',
        });
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            done += chunk.length;
            read(done);
            callback(null, chunk);
          },
        });
        await pipeline(createReadStream(file.absolute, { highWaterMark: 1 << 20 }), counter, entry);
      }
      pack.finalize();
      await written;
    } catch (error) {
      pack.destroy(error as Error);
      output.destroy(error as Error);
    }
  })();
  return output;
}

async function archiveSource(path: string, size: number, mtimeMs: number): Promise<BagSource> {
  if (!/\.(tar\.gz|tgz)$/i.test(path)) throw new UsageError(`${path} is a file but not a .tar.gz archive`);
  return {
    filename: basename(path),
    maxArchiveBytes: size,
    inputBytes: size,
    fingerprint: createHash('sha256').update(`${path}\0${size}\0${mtimeMs}`).digest('hex'),
    externalIdentifier: () => externalIdentifierInArchive(path),
    open(read) {
      let done = 0;
      const stream = createReadStream(path, { highWaterMark: 1 << 20 });
      stream.on('data', (chunk) => read((done += chunk.length)));
      return stream;
    },
  };
}

/** Reads entries until a top-level (or one-directory-deep) bag-info.txt turns up. */
async function externalIdentifierInArchive(path: string): Promise<string | undefined> {
  const { extract } = await import('tar-stream');
  const reader = extract();
  const source = createReadStream(path).pipe(createGunzip());
  source.on('error', (error) => reader.destroy(error));
  source.pipe(reader);
  try {
    for await (const entry of reader) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (/^([^/]+\/)?bag-info\.txt$/.test(name)) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        return externalIdentifierIn(Buffer.concat(chunks));
      }
      entry.resume();
    }
  } catch {
    return undefined; // an unreadable archive is the server's to reject, with its reason
  } finally {
    source.destroy();
  }
  return undefined;
}

/** The External-Identifier of a bag-info.txt (labels case-insensitive, continuation lines joined). */
export function externalIdentifierIn(bytes: Buffer): string | undefined {
  const text =
    bytes[0] === 0xfe && bytes[1] === 0xff
      ? Buffer.from(bytes.subarray(2)).swap16().toString('utf16le')
      : bytes[0] === 0xff && bytes[1] === 0xfe
        ? bytes.subarray(2).toString('utf16le')
        : bytes.toString('utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const match = /^([^:]+):\s*(.*)$/.exec(lines[index]);
    if (!match || match[1].trim().toLowerCase() !== 'external-identifier') continue;
    let value = match[2];
    while (index + 1 < lines.length && /^[ \t]/.test(lines[index + 1])) value += ` ${lines[++index].trim()}`;
    return value.trim() || undefined;
  }
  return undefined;
}
