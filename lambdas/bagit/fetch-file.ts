import { decodeManifestPath, isPayloadPath } from './manifest-path.ts';

/** One line of fetch.txt: a payload file to be fetched from `url` (a "holey" bag). */
export interface FetchEntry {
  url: string;
  /** Declared length in bytes; undefined when written as "-". */
  length: number | undefined;
  path: string;
}

export type FetchLine =
  | { blank: true }
  | { blank?: false; problem: string }
  | { blank?: false; problem?: undefined; entry: FetchEntry };

/** A fetch.txt line is "URL LENGTH FILEPATH" (RFC 8493 §2.2.3); paths follow the manifest rules. */
export function parseFetchLine(line: string, where: string): FetchLine {
  if (line.trim() === '') return { blank: true };
  const match = /^(\S+)[ \t]+(\S+)[ \t]+(.+)$/.exec(line);
  if (!match) return { problem: `${where} is not "URL LENGTH FILEPATH": ${JSON.stringify(line)}` };
  const [, url, length, rawPath] = match as unknown as [string, string, string, string];
  if (!URL.canParse(url)) return { problem: `${where}: ${JSON.stringify(url)} is not an absolute URL` };
  if (length !== '-' && !/^\d+$/.test(length)) {
    return { problem: `${where}: length ${JSON.stringify(length)} is neither a number nor "-"` };
  }
  const decoded = decodeManifestPath(rawPath);
  if (!decoded.ok) return { problem: `${where}: ${decoded.problem}` };
  if (!isPayloadPath(decoded.path)) {
    return { problem: `${where}: ${decoded.path} is outside the payload directory (data/)` };
  }
  return { entry: { url, length: length === '-' ? undefined : Number(length), path: decoded.path } };
}

export const duplicateFetchProblem = (fileName: string, path: string) =>
  `${fileName} lists ${path} more than once`;
