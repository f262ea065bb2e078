/**
 * A tar reader over the chunks gunzip produces, built for unpacking many files fast: headers are
 * decoded where they lie (only one that straddles two chunks is copied, 512 bytes), and an entry's
 * body is handed out as slices of the chunks it spans, never copied. Entries are read one at a time,
 * in order; the caller reads (or skips) each body before asking for the next header.
 *
 * It reads what tar-stream reads (ustar and GNU headers, pax and GNU long names, base-256 sizes) and
 * is stricter where a lenient reading could let two tools see different files in one archive: a pax
 * record it cannot parse, a size beyond 2^53, or a directory entry with content is a corrupt header.
 */

export type TarEntryType =
  | 'file'
  | 'contiguous-file'
  | 'directory'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'fifo'
  | 'unsupported';

export interface TarHeader {
  /** As the archive spells it (pax or GNU long name applied), not yet normalised. */
  name: string;
  type: TarEntryType;
  /** Bytes of content. */
  size: number;
  /** The target of a link, when the entry is one. */
  linkname: string;
}

/** Why the tar data cannot be read: `truncated` when it ends early, `corrupt` otherwise. */
export class TarFormatError extends Error {
  readonly kind: 'truncated' | 'corrupt';

  constructor(kind: 'truncated' | 'corrupt', message: string) {
    super(message);
    this.name = 'TarFormatError';
    this.kind = kind;
  }
}

/** Where the decompressed bytes come from: the next chunk, or undefined at the end of the data. */
export interface ChunkSource {
  next(): Promise<Buffer | undefined>;
}

const BLOCK = 512;
// Pax and GNU long-name records are names, numbers and extended attributes; tar-stream's bound.
const MAX_LONG_HEADER = 4 << 20;
const EMPTY = Buffer.alloc(0);

export class TarReader {
  private readonly source: ChunkSource;
  private chunk: Buffer = EMPTY;
  private position = 0;
  /** Bytes of the tar stream before `chunk`. */
  private chunkStart = 0;
  private ended = false;
  /** Content of the current entry not handed out yet. */
  private bodyLeft = 0;
  /** Bytes to pass over before the next header (the rest of a body, then its padding). */
  private skipLeft = 0;
  private readonly scratch = Buffer.allocUnsafe(BLOCK);
  private globalPax: Map<string, string> | undefined;
  /** Offset just past the last entry's content and padding: an end-of-archive block must follow. */
  endOfLastEntry = 0;

  constructor(source: ChunkSource) {
    this.source = source;
  }

  /** Bytes of tar data read so far. */
  get offset(): number {
    return this.chunkStart + this.position;
  }

  /**
   * The next entry's header, or undefined at the end of the data. Zero blocks (the end-of-archive
   * marker and the padding after it) are passed over, as tar-stream does, so that nothing that
   * follows them goes unread. Passes over whatever is left of the previous entry's body first.
   */
  async next(): Promise<TarHeader | undefined> {
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Map<string, string> | undefined;
    for (;;) {
      // Usually what is left of the last body lies in the current chunk: no await then.
      if (!this.skipInChunk()) await this.skipRemaining();
      // The block is read where it lies: `at` into `block`.
      const block = this.takeBlock() ?? (await this.fillBlock());
      if (block === undefined) {
        if (longName !== undefined || longLink !== undefined || pax !== undefined) {
          throw truncated();
        }
        return undefined;
      }
      const at = block === this.scratch ? 0 : this.position - BLOCK;
      const typeflag = block[at + 156] as number;
      if (isZeroBlock(block, at)) continue;
      checkHeader(block, at);
      const size = headerSize(block, at);
      // Extended headers describe the entry after them; their content is read whole.
      if (typeflag === 0x78 /* x */ || typeflag === 0x67 /* g */) {
        const records = parsePax(await this.readLongHeader(size));
        if (typeflag === 0x67) this.globalPax = new Map([...(this.globalPax ?? []), ...records]);
        else pax = new Map([...(pax ?? []), ...records]);
        continue;
      }
      if (typeflag === 0x4c /* L */ || typeflag === 0x4e /* N */) {
        longName = cString(await this.readLongHeader(size));
        continue;
      }
      if (typeflag === 0x4b /* K */) {
        longLink = cString(await this.readLongHeader(size));
        continue;
      }
      const header = decodeEntry(block, at, size);
      const records = this.globalPax ? new Map([...this.globalPax, ...(pax ?? [])]) : pax;
      if (longName !== undefined) header.name = longName;
      if (longLink !== undefined) header.linkname = longLink;
      if (records) applyPax(header, records);
      // Old tars mark a directory only by the "/" that ends its name.
      if (header.type === 'file' && header.name.endsWith('/')) header.type = 'directory';
      if (header.type === 'directory' && header.size !== 0) {
        throw corrupt(`Invalid tar header: directory ${JSON.stringify(header.name)} has content`);
      }
      this.bodyLeft = header.size;
      this.skipLeft = header.size + padding(header.size);
      this.endOfLastEntry = this.offset + this.skipLeft;
      return header;
    }
  }

  /**
   * The next piece of the current entry's content as a slice of a decompressed chunk, or null once
   * all of it has been handed out. Synchronous while the current chunk lasts (see `body`).
   */
  bodyPiece(): Buffer | null | undefined {
    if (this.bodyLeft === 0) return null;
    const available = this.chunk.length - this.position;
    if (available === 0) return undefined;
    const length = Math.min(available, this.bodyLeft);
    const piece = this.chunk.subarray(this.position, this.position + length);
    this.position += length;
    this.bodyLeft -= length;
    this.skipLeft -= length;
    return piece;
  }

  /** Like bodyPiece, waiting for the next chunk when needed. */
  async body(): Promise<Buffer | null> {
    for (;;) {
      const piece = this.bodyPiece();
      if (piece !== undefined) return piece;
      if (!(await this.advance())) throw truncated();
    }
  }

  /** Bytes of the current entry's content not handed out yet. */
  get remaining(): number {
    return this.bodyLeft;
  }

  /** Passes over what is left of the last entry within the current chunk; true when nothing is left. */
  private skipInChunk(): boolean {
    const length = Math.min(this.chunk.length - this.position, this.skipLeft);
    this.position += length;
    this.skipLeft -= length;
    if (this.skipLeft > 0) return false;
    this.bodyLeft = 0;
    return true;
  }

  private async skipRemaining(): Promise<void> {
    while (this.skipLeft > 0) {
      const available = this.chunk.length - this.position;
      if (available === 0) {
        if (!(await this.advance())) throw truncated();
        continue;
      }
      const length = Math.min(available, this.skipLeft);
      this.position += length;
      this.skipLeft -= length;
    }
    this.bodyLeft = 0;
  }

  /** The chunk holding the next 512 bytes whole (they end at `position`), if it does. */
  private takeBlock(): Buffer | undefined {
    if (this.chunk.length - this.position < BLOCK) return undefined;
    this.position += BLOCK;
    return this.chunk;
  }

  /** The next 512 bytes gathered across chunks; undefined when the data ends cleanly before them. */
  private async fillBlock(): Promise<Buffer | undefined> {
    let filled = 0;
    for (;;) {
      const available = this.chunk.length - this.position;
      const length = Math.min(available, BLOCK - filled);
      this.chunk.copy(this.scratch, filled, this.position, this.position + length);
      this.position += length;
      filled += length;
      if (filled === BLOCK) return this.scratch;
      if (!(await this.advance())) {
        if (filled === 0) return undefined;
        throw truncated();
      }
    }
  }

  private async readLongHeader(size: number): Promise<Buffer> {
    if (size > MAX_LONG_HEADER) throw corrupt('Invalid tar header: an extended header is too long');
    const parts: Buffer[] = [];
    this.bodyLeft = size;
    this.skipLeft = size + padding(size);
    for (let piece = await this.body(); piece !== null; piece = await this.body()) parts.push(piece);
    await this.skipRemaining();
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  private async advance(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    this.chunkStart += this.chunk.length;
    if (next === undefined) {
      this.ended = true;
      this.chunk = EMPTY;
      this.position = 0;
      return false;
    }
    this.chunk = next;
    this.position = 0;
    return true;
  }
}

function truncated(): TarFormatError {
  return new TarFormatError('truncated', 'the tar data ends inside an entry');
}

function corrupt(message: string): TarFormatError {
  return new TarFormatError('corrupt', message);
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

// A block whose bytes, the checksum field aside, are all zero (tar-stream reads it as no header).
function isZeroBlock(block: Buffer, at: number): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[at + i] !== 0 && (i < 148 || i >= 156)) return false;
  return true;
}

const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const GNU_MAGIC = Buffer.from('ustar  \0', 'latin1');

function checkHeader(block: Buffer, at: number): void {
  if (headerSum(block, at) !== octal(block, at + 148, 8))
    throw corrupt('Invalid tar header: checksum mismatch');
  if (!isUstar(block, at) && !matches(block, at + 257, GNU_MAGIC)) {
    throw corrupt('Invalid tar header: unknown format');
  }
}

/**
 * The header's checksum: the sum of its bytes, the checksum field counted as spaces. Summed four bytes
 * at a time where the block is aligned for it: a run of `bagvault validate` reads each header once,
 * mostly before this code is optimised, so a quarter of the loop turns is a real saving per entry.
 */
function headerSum(block: Buffer, at: number): number {
  let sum = 8 * 32;
  const start = block.byteOffset + at;
  if (start % 4 === 0) {
    const words = new Uint32Array(block.buffer, start, BLOCK / 4);
    let pairs = 0;
    for (let i = 0; i < BLOCK / 4; i++) {
      if (i === 37 || i === 38) continue; // bytes 148–155: the checksum field
      const word = words[i] as number;
      pairs += (word & 0x00ff00ff) + ((word >>> 8) & 0x00ff00ff);
    }
    // Each 16-bit lane holds at most 126 × 510 < 65,536.
    return sum + (pairs & 0xffff) + (pairs >>> 16);
  }
  for (let i = at; i < at + 148; i++) sum += block[i] as number;
  for (let i = at + 156; i < at + BLOCK; i++) sum += block[i] as number;
  return sum;
}

function isUstar(block: Buffer, at: number): boolean {
  return matches(block, at + 257, USTAR_MAGIC);
}

function matches(block: Buffer, at: number, expected: Buffer): boolean {
  for (let i = 0; i < expected.length; i++) if (block[at + i] !== expected[i]) return false;
  return true;
}

function headerSize(block: Buffer, at: number): number {
  const size = number(block, at + 124, 12);
  if (size === undefined) throw corrupt('Invalid tar header: the size is not a number');
  return size;
}

function decodeEntry(block: Buffer, at: number, size: number): TarHeader {
  let name = cString(block, at, 100);
  if (isUstar(block, at) && block[at + 345] !== 0) name = `${cString(block, at + 345, 155)}/${name}`;
  const linkname = block[at + 157] === 0 ? '' : cString(block, at + 157, 100);
  return { name, type: entryType(block[at + 156] as number), size, linkname };
}

function entryType(flag: number): TarEntryType {
  switch (flag) {
    case 0:
    case 0x30:
      return 'file';
    case 0x31:
      return 'link';
    case 0x32:
      return 'symlink';
    case 0x33:
      return 'character-device';
    case 0x34:
      return 'block-device';
    case 0x35:
      return 'directory';
    case 0x36:
      return 'fifo';
    case 0x37:
      return 'contiguous-file';
    default:
      return 'unsupported';
  }
}

function cString(buffer: Buffer, start = 0, length = buffer.length - start): string {
  let end = start;
  while (end < start + length && buffer[end] !== 0) end++;
  return buffer.toString('utf8', start, end);
}

/** A numeric field: octal digits (space or NUL padded), or base-256 when its first bit is set. */
function number(block: Buffer, start: number, length: number): number | undefined {
  const first = block[start] as number;
  if (first & 0x80) {
    if (first !== 0x80) return undefined; // negative, or a base-256 form no writer uses for sizes
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + (block[i] as number);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  return octal(block, start, length);
}

function octal(block: Buffer, start: number, length: number): number | undefined {
  let i = start;
  const end = start + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++, digits++) {
    const c = block[i] as number;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return undefined;
    value = value * 8 + (c - 0x30);
  }
  for (; i < end; i++) if (block[i] !== 0x20 && block[i] !== 0) return undefined;
  return digits === 0 ? 0 : value;
}

/** Pax records: "LENGTH key=value\n", LENGTH counting the whole record in bytes. */
function parsePax(buffer: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < buffer.length) {
    if (buffer[at] === 0) break; // NUL padding after the last record
    const space = buffer.indexOf(0x20, at);
    const digits = space === -1 ? '' : buffer.toString('latin1', at, space);
    const length = /^[1-9]\d{0,7}$/.test(digits) ? Number(digits) : 0;
    const end = at + length;
    if (length === 0 || end > buffer.length || buffer[end - 1] !== 0x0a) {
      throw corrupt('Invalid tar header: a pax record is malformed');
    }
    const record = buffer.toString('utf8', space + 1, end - 1);
    const equals = record.indexOf('=');
    if (equals <= 0) throw corrupt('Invalid tar header: a pax record is malformed');
    records.set(record.slice(0, equals), record.slice(equals + 1));
    at = end;
  }
  return records;
}

function applyPax(header: TarHeader, records: Map<string, string>): void {
  const path = records.get('path');
  if (path !== undefined) header.name = path;
  const linkpath = records.get('linkpath');
  if (linkpath !== undefined) header.linkname = linkpath;
  const size = records.get('size');
  if (size !== undefined) {
    const value = /^\d{1,16}$/.test(size) ? Number(size) : Number.NaN;
    if (!Number.isSafeInteger(value)) throw corrupt('Invalid tar header: the pax size is not a number');
    header.size = value;
  }
}
