/**
 * POSIX tar headers (ustar, IEEE 1003.1-2001) for regular files, with a pax extended header in front
 * when the path is longer than the 100-byte name field or not ASCII, or the size needs more than the
 * 11 octal digits of the size field (8 GiB). Readers that know pax (GNU tar, bsdtar, Python, Go,
 * tar-stream) take the path and size from it; the ustar fields then hold a best-effort fallback.
 */
export const BLOCK = 512;

const NAME_FIELD = 100;
const MAX_OCTAL_SIZE = 0o77777777777;
const FILE_MODE = 0o644;

export interface TarMember {
  path: string;
  size: number;
  /** Modification time, epoch seconds. */
  mtime: number;
}

export const paddedSize = (bytes: number) => Math.ceil(bytes / BLOCK) * BLOCK;

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, length, 'utf8');
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  // length - 1 digits, then NUL.
  writeString(block, offset, length - 1, value.toString(8).padStart(length - 1, '0'));
}

function ustarBlock(name: string, size: number, mtime: number, typeflag: '0' | 'x'): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, 0, NAME_FIELD, name);
  writeOctal(block, 100, 8, FILE_MODE);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, mtime);
  block.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  writeString(block, 156, 1, typeflag);
  writeString(block, 257, 6, 'ustar\0');
  writeString(block, 263, 2, '00');
  let checksum = 0;
  for (const byte of block) checksum += byte;
  writeString(block, 148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** One pax record, `"%d %s=%s\n"`, whose leading length counts its own digits. */
export function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = Buffer.byteLength(rest);
  let length = restBytes + 1;
  while (String(length).length + restBytes !== length) length = String(length).length + restBytes;
  return `${length}${rest}`;
}

const isAscii = (text: string) => /^[\x20-\x7e]*$/.test(text);

/** What the ustar name field holds when the real path is in a pax record: ASCII, at most 100 bytes. */
function fallbackName(path: string): string {
  return path.replace(/[^\x20-\x7e]/g, '_').slice(-NAME_FIELD);
}

/** The header bytes of one member: a ustar block, preceded by a pax header and its records when needed. */
export function memberHeader(member: TarMember): Buffer {
  const records: string[] = [];
  const pathFits = Buffer.byteLength(member.path) <= NAME_FIELD && isAscii(member.path);
  if (!pathFits) records.push(paxRecord('path', member.path));
  const sizeFits = member.size <= MAX_OCTAL_SIZE;
  if (!sizeFits) records.push(paxRecord('size', String(member.size)));
  const header = ustarBlock(
    pathFits ? member.path : fallbackName(member.path),
    sizeFits ? member.size : 0,
    member.mtime,
    '0',
  );
  if (records.length === 0) return header;

  const pax = Buffer.from(records.join(''), 'utf8');
  const paxName = `PaxHeaders/${fallbackName(member.path).split('/').pop()}`.slice(0, NAME_FIELD);
  return Buffer.concat([
    ustarBlock(paxName, pax.length, member.mtime, 'x'),
    pax,
    Buffer.alloc(paddedSize(pax.length) - pax.length),
    header,
  ]);
}

/** Bytes a member takes in the archive: its header(s) and its data padded to whole blocks. */
export const memberBytes = (member: TarMember) => memberHeader(member).length + paddedSize(member.size);

/** Two zero blocks end the archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
