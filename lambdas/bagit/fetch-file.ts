import { decodeManifestPath, isPayloadPath } from './manifest-path.ts';

/** One line of fetch.txt: a payload file to be fetched from `url` (a "holey" bag). */
export interface FetchEntry {
  url: string;
  /** Declared length in bytes; undefined when written as "-". */
  length: number | undefined;
  path: string;
}

/** fetch.txt lines are "URL LENGTH FILEPATH" (RFC 8493 §2.2.3); paths follow the manifest rules. */
export function parseFetchFile(
  text: string,
  fileName = 'fetch.txt',
): { entries: FetchEntry[]; problems: string[] } {
  const entries: FetchEntry[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${fileName} line ${index + 1}`;
    const match = /^(\S+)[ \t]+(\S+)[ \t]+(.+)$/.exec(line);
    if (!match) {
      problems.push(`${where} is not "URL LENGTH FILEPATH": ${JSON.stringify(line)}`);
      return;
    }
    const [, url, length, rawPath] = match;
    if (!URL.canParse(url)) {
      problems.push(`${where}: ${JSON.stringify(url)} is not an absolute URL`);
      return;
    }
    if (length !== '-' && !/^\d+$/.test(length)) {
      problems.push(`${where}: length ${JSON.stringify(length)} is neither a number nor "-"`);
      return;
    }
    const decoded = decodeManifestPath(rawPath);
    if (!decoded.ok) {
      problems.push(`${where}: ${decoded.problem}`);
      return;
    }
    if (!isPayloadPath(decoded.path)) {
      problems.push(`${where}: ${decoded.path} is outside the payload directory (data/)`);
      return;
    }
    if (seen.has(decoded.path)) {
      problems.push(`${fileName} lists ${decoded.path} more than once`);
      return;
    }
    seen.add(decoded.path);
    entries.push({ url, length: length === '-' ? undefined : Number(length), path: decoded.path });
  });
  return { entries, problems };
}
