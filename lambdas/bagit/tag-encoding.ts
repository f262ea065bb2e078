/**
 * Tag files (bag-info.txt, manifests, fetch.txt) are text in the encoding bagit.txt declares in
 * Tag-File-Character-Encoding. Decoding is strict: a byte sequence that is not valid in the
 * declared encoding makes the file unreadable rather than silently changing a path or a value.
 */
export type DecodedTagFile = { ok: true; text: string; warnings: string[] } | { ok: false; problem: string };

/** Bytes that are not valid in the declared encoding: the whole file is unreadable. */
export class TagDecodeError extends Error {
  readonly problem: string;
  constructor(problem: string) {
    super(problem);
    this.problem = problem;
  }
}

/**
 * Decodes one tag file piece by piece, so a manifest of a million lines is never one string.
 * `write` and `end` throw TagDecodeError; `warnings` holds what was noticed (a UTF-8 byte-order mark).
 */
export interface TagDecoder {
  write(bytes: Uint8Array): string;
  end(): string;
  readonly warnings: string[];
}

export function isSupportedEncoding(encoding: string): boolean {
  return decoderFor(encoding, '') !== undefined;
}

/** A streaming decoder for the declared encoding, or undefined when it is not one we can decode. */
export function tagDecoder(encoding: string, fileName: string): TagDecoder | undefined {
  return decoderFor(encoding, fileName);
}

export function decodeTagFile(bytes: Uint8Array, encoding: string, fileName: string): DecodedTagFile {
  const decoder = tagDecoder(encoding, fileName);
  if (!decoder)
    return { ok: false, problem: `Unsupported Tag-File-Character-Encoding ${JSON.stringify(encoding)}` };
  try {
    const text = decoder.write(bytes) + decoder.end();
    return { ok: true, text, warnings: decoder.warnings };
  } catch (error) {
    if (error instanceof TagDecodeError) return { ok: false, problem: error.problem };
    throw error;
  }
}

function decoderFor(encoding: string, fileName: string): TagDecoder | undefined {
  const name = encoding.trim().toLowerCase().replace(/_/g, '-');
  switch (name) {
    case 'utf-8':
    case 'utf8':
      return new Utf8Decoder(fileName);
    case 'utf-16':
      // "UTF-16" without an order: the byte-order mark decides, big-endian when there is none (RFC 2781).
      return new Utf16Decoder(fileName);
    case 'utf-16be':
    case 'utf-16le':
      return new StrictDecoder(name, fileName, true);
    case 'iso-8859-1':
    case 'iso8859-1':
    case 'latin1':
    case 'latin-1':
    case 'l1':
      // WHATWG's "iso-8859-1" is really windows-1252; Buffer's latin1 is the real thing.
      return { write: (bytes) => Buffer.from(bytes).toString('latin1'), end: () => '', warnings: [] };
    case 'us-ascii':
    case 'ascii':
      return new AsciiDecoder(fileName);
    default:
      return otherEncoding(name, fileName);
  }
}

/** Holds back the first bytes until there are enough to see a byte-order mark of `length` bytes. */
abstract class MarkSniffer implements TagDecoder {
  readonly warnings: string[] = [];
  private head: Buffer | undefined = Buffer.alloc(0);
  private inner: TagDecoder | undefined;
  private readonly length: number;

  constructor(length: number) {
    this.length = length;
  }

  protected abstract choose(head: Buffer): { decoder: TagDecoder; skip: number };

  write(bytes: Uint8Array): string {
    if (this.head === undefined) return (this.inner as TagDecoder).write(bytes);
    this.head = Buffer.concat([this.head, bytes]);
    if (this.head.length < this.length) return '';
    return this.start();
  }

  end(): string {
    const text = this.head === undefined ? '' : this.start();
    return text + (this.inner as TagDecoder).end();
  }

  private start(): string {
    const head = this.head as Buffer;
    this.head = undefined;
    const { decoder, skip } = this.choose(head);
    this.inner = decoder;
    return decoder.write(head.subarray(skip));
  }
}

class Utf8Decoder extends MarkSniffer {
  private readonly fileName: string;
  constructor(fileName: string) {
    super(3);
    this.fileName = fileName;
  }
  protected choose(head: Buffer) {
    const hasBom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
    if (hasBom)
      this.warnings.push(
        `${this.fileName} starts with a UTF-8 byte-order mark, which RFC 8493 advises against`,
      );
    return { decoder: new StrictDecoder('utf-8', this.fileName, false), skip: hasBom ? 3 : 0 };
  }
}

class Utf16Decoder extends MarkSniffer {
  private readonly fileName: string;
  constructor(fileName: string) {
    super(2);
    this.fileName = fileName;
  }
  protected choose(head: Buffer) {
    if (head[0] === 0xff && head[1] === 0xfe)
      return { decoder: new StrictDecoder('utf-16le', this.fileName, false), skip: 2 };
    if (head[0] === 0xfe && head[1] === 0xff)
      return { decoder: new StrictDecoder('utf-16be', this.fileName, false), skip: 2 };
    return { decoder: new StrictDecoder('utf-16be', this.fileName, false), skip: 0 };
  }
}

class AsciiDecoder implements TagDecoder {
  readonly warnings: string[] = [];
  private offset = 0;
  private readonly fileName: string;
  constructor(fileName: string) {
    this.fileName = fileName;
  }
  write(bytes: Uint8Array): string {
    const index = bytes.findIndex((byte) => byte > 0x7f);
    if (index !== -1)
      throw new TagDecodeError(`${this.fileName} is not valid US-ASCII (byte ${this.offset + index})`);
    this.offset += bytes.length;
    return Buffer.from(bytes).toString('latin1');
  }
  end(): string {
    return '';
  }
}

function otherEncoding(name: string, fileName: string): TagDecoder | undefined {
  try {
    new TextDecoder(name);
  } catch {
    return undefined;
  }
  return new StrictDecoder(name, fileName, false);
}

class StrictDecoder implements TagDecoder {
  readonly warnings: string[] = [];
  private readonly decoder: InstanceType<typeof TextDecoder>;
  private readonly problem: string;

  constructor(label: string, fileName: string, dropBom: boolean) {
    this.decoder = new TextDecoder(label, { fatal: true, ignoreBOM: !dropBom });
    this.problem = `${fileName} is not valid ${label.toUpperCase()}`;
  }

  write(bytes: Uint8Array): string {
    try {
      return this.decoder.decode(bytes, { stream: true });
    } catch {
      throw new TagDecodeError(this.problem);
    }
  }

  end(): string {
    try {
      return this.decoder.decode();
    } catch {
      throw new TagDecodeError(this.problem);
    }
  }
}
