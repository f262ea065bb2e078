/**
 * Tag files (bag-info.txt, manifests, fetch.txt) are text in the encoding bagit.txt declares in
 * Tag-File-Character-Encoding. Decoding is strict: a byte sequence that is not valid in the
 * declared encoding makes the file unreadable rather than silently changing a path or a value.
 */
export type DecodedTagFile = { ok: true; text: string; warnings: string[] } | { ok: false; problem: string };

type Decoder = (bytes: Uint8Array, fileName: string) => DecodedTagFile;

export function isSupportedEncoding(encoding: string): boolean {
  return decoderFor(encoding) !== undefined;
}

export function decodeTagFile(bytes: Uint8Array, encoding: string, fileName: string): DecodedTagFile {
  const decode = decoderFor(encoding);
  if (!decode)
    return { ok: false, problem: `Unsupported Tag-File-Character-Encoding ${JSON.stringify(encoding)}` };
  return decode(bytes, fileName);
}

function decoderFor(encoding: string): Decoder | undefined {
  const name = encoding.trim().toLowerCase().replace(/_/g, '-');
  switch (name) {
    case 'utf-8':
    case 'utf8':
      return decodeUtf8;
    case 'utf-16':
      return decodeUtf16Detecting;
    case 'utf-16be':
    case 'utf-16le':
      return (bytes, fileName) => strictDecode(name, bytes, fileName, true);
    case 'iso-8859-1':
    case 'iso8859-1':
    case 'latin1':
    case 'latin-1':
    case 'l1':
      // WHATWG's "iso-8859-1" is really windows-1252; Buffer's latin1 is the real thing.
      return (bytes) => ({ ok: true, text: Buffer.from(bytes).toString('latin1'), warnings: [] });
    case 'us-ascii':
    case 'ascii':
      return decodeAscii;
    default:
      return otherEncoding(name);
  }
}

function decodeUtf8(bytes: Uint8Array, fileName: string): DecodedTagFile {
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const decoded = strictDecode('utf-8', hasBom ? bytes.subarray(3) : bytes, fileName, false);
  if (decoded.ok && hasBom) {
    decoded.warnings.push(`${fileName} starts with a UTF-8 byte-order mark, which RFC 8493 advises against`);
  }
  return decoded;
}

// "UTF-16" without an order: the byte-order mark decides, big-endian when there is none (RFC 2781).
function decodeUtf16Detecting(bytes: Uint8Array, fileName: string): DecodedTagFile {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return strictDecode('utf-16le', bytes.subarray(2), fileName, false);
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return strictDecode('utf-16be', bytes.subarray(2), fileName, false);
  return strictDecode('utf-16be', bytes, fileName, false);
}

function decodeAscii(bytes: Uint8Array, fileName: string): DecodedTagFile {
  const index = bytes.findIndex((byte) => byte > 0x7f);
  if (index !== -1) return { ok: false, problem: `${fileName} is not valid US-ASCII (byte ${index})` };
  return { ok: true, text: Buffer.from(bytes).toString('latin1'), warnings: [] };
}

function otherEncoding(name: string): Decoder | undefined {
  try {
    new TextDecoder(name);
  } catch {
    return undefined;
  }
  return (bytes, fileName) => strictDecode(name, bytes, fileName, false);
}

function strictDecode(label: string, bytes: Uint8Array, fileName: string, dropBom: boolean): DecodedTagFile {
  try {
    const text = new TextDecoder(label, { fatal: true, ignoreBOM: !dropBom }).decode(bytes);
    return { ok: true, text, warnings: [] };
  } catch {
    return { ok: false, problem: `${fileName} is not valid ${label.toUpperCase()}` };
  }
}
