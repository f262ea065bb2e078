import { isSupportedEncoding } from './tag-encoding.ts';

/** What bagit.txt declares. */
export interface BagDeclaration {
  /** As written, e.g. "1.0" or "0.97". */
  version: string;
  major: number;
  minor: number;
  /** Tag-File-Character-Encoding as written. */
  encoding: string;
}

export type ParsedDeclaration = { ok: true; declaration: BagDeclaration } | { ok: false; problems: string[] };

/** RFC 8493 and the drafts it grew from that archives still hold bags of. */
const SUPPORTED_VERSIONS = ['0.93', '0.94', '0.95', '0.96', '0.97', '1.0'];

/**
 * bagit.txt is exactly two lines, in this order, UTF-8 without a byte-order mark (RFC 8493 §2.1.1):
 *   BagIt-Version: M.N
 *   Tag-File-Character-Encoding: ENCODING
 */
export function parseDeclaration(bytes: Uint8Array): ParsedDeclaration {
  if (startsWithByteOrderMark(bytes)) {
    return fail('bagit.txt starts with a byte-order mark, which RFC 8493 forbids');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('bagit.txt is not valid UTF-8');
  }
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length !== 2) {
    return fail(
      `bagit.txt must have exactly two lines (BagIt-Version, then Tag-File-Character-Encoding); found ${lines.length}`,
    );
  }
  const problems: string[] = [];
  const version = /^BagIt-Version: (\d+)\.(\d+)$/.exec(lines[0]);
  const encoding = /^Tag-File-Character-Encoding: (\S(?:.*\S)?)$/.exec(lines[1]);
  if (!version)
    problems.push(`bagit.txt line 1 must be "BagIt-Version: M.N"; found ${JSON.stringify(lines[0])}`);
  if (!encoding) {
    problems.push(
      `bagit.txt line 2 must be "Tag-File-Character-Encoding: ENCODING"; found ${JSON.stringify(lines[1])}`,
    );
  }
  if (!version || !encoding) return { ok: false, problems };
  const declared = `${version[1]}.${version[2]}`;
  const normalised = `${Number(version[1])}.${Number(version[2])}`;
  if (!SUPPORTED_VERSIONS.includes(normalised)) {
    problems.push(`Unsupported BagIt-Version ${declared} (supported: 0.93 to 0.97, and 1.0)`);
  }
  if (!isSupportedEncoding(encoding[1])) {
    problems.push(`Unsupported Tag-File-Character-Encoding ${JSON.stringify(encoding[1])}`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    declaration: {
      version: declared,
      major: Number(version[1]),
      minor: Number(version[2]),
      encoding: encoding[1],
    },
  };
}

/** Compare a declaration with a version: negative when the bag is older. */
export function compareVersion(declaration: BagDeclaration, major: number, minor: number): number {
  return declaration.major - major || declaration.minor - minor;
}

function startsWithByteOrderMark(bytes: Uint8Array): boolean {
  const utf8 = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const utf16 = (bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe);
  return utf8 || utf16;
}

function fail(problem: string): ParsedDeclaration {
  return { ok: false, problems: [problem] };
}
