import { HEX_LENGTH, type DigestAlgorithm } from '../archive/hashing/algorithms.ts';
import { decodeManifestPath, isPayloadPath } from './manifest-path.ts';

/**
 * A payload manifest (manifest-ALG.txt) or tag manifest (tagmanifest-ALG.txt). Its entries are not
 * kept here: verification streams them (see bag-records.ts), and the bag's entries carry the digests.
 */
export interface Manifest {
  /** The file it was read from, e.g. "manifest-sha256.txt". */
  file: string;
  kind: 'payload' | 'tag';
  algorithm: DigestAlgorithm;
}

export interface ManifestFileName {
  kind: 'payload' | 'tag';
  /** As written in the file name, which may not be an algorithm we support. */
  algorithm: string;
}

export function manifestFileName(fileName: string): ManifestFileName | undefined {
  const match = /^(tag)?manifest-([^/]+)\.txt$/.exec(fileName);
  return match ? { kind: match[1] ? 'tag' : 'payload', algorithm: match[2] } : undefined;
}

export type ManifestLine =
  | { blank: true }
  | { blank?: false; problem: string }
  | { blank?: false; problem?: undefined; path: string; checksum: string; relative: string | undefined };

/**
 * One manifest line: "CHECKSUM FILEPATH", separated by spaces or tabs; hex in either case; an
 * md5sum-style "*" (binary mode) before the path is ignored. `relative` is the path as written when
 * it has "./", "../" or "//" (allowed, but worth a warning).
 */
export function parseManifestLine(
  line: string,
  file: string,
  lineNumber: number,
  kind: 'payload' | 'tag',
  algorithm: DigestAlgorithm,
): ManifestLine {
  if (line.trim() === '') return { blank: true };
  // Named only in a problem: most lines have none.
  const where = () => `${file} line ${lineNumber}`;
  const match = /^[ \t]*(\S+)[ \t]+(.+)$/.exec(line);
  if (!match) return { problem: `${where()} is not "CHECKSUM FILEPATH": ${JSON.stringify(line)}` };
  const checksum = (match[1] as string).toLowerCase();
  if (checksum.length !== HEX_LENGTH[algorithm] || !/^[0-9a-f]+$/.test(checksum)) {
    return { problem: `${where()}: ${JSON.stringify(match[1])} is not a ${algorithm} checksum` };
  }
  const written = (match[2] as string).startsWith('*') ? (match[2] as string).slice(1) : (match[2] as string);
  const decoded = decodeManifestPath(written);
  if (!decoded.ok) return { problem: `${where()}: ${decoded.problem}` };
  const path = decoded.path;
  if (kind === 'payload' && !isPayloadPath(path)) {
    return { problem: `${where()}: ${path} is outside the payload directory (data/)` };
  }
  if (kind === 'tag' && isPayloadPath(path)) {
    return { problem: `${where()}: ${path} is a payload file, which tag manifests must not list` };
  }
  return { path, checksum, relative: decoded.relative ? written : undefined };
}

/** A file listed twice: before BagIt 1.0 tolerated with the same checksum; since 1.0 an error. */
export function duplicateProblem(file: string, path: string) {
  return `${file} lists ${path} more than once`;
}

export function duplicateWarning(file: string, path: string) {
  return `${file} lists ${path} twice`;
}

/** One warning per manifest, however many lines: a bag written by one tool writes them all alike. */
export function relativePathWarning(file: string, count: number, first: string): string {
  const paths = count === 1 ? '1 path' : `${count} paths`;
  return `${file} writes ${paths} with "./", "../" or "//" (e.g. ${JSON.stringify(first)}); RFC 8493 wants paths like "data/file"`;
}
