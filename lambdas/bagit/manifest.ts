import { HEX_LENGTH, type DigestAlgorithm } from '../archive/hashing/algorithms.ts';
import { decodeManifestPath, isPayloadPath } from './manifest-path.ts';

/** A payload manifest (manifest-ALG.txt) or tag manifest (tagmanifest-ALG.txt). */
export interface Manifest {
  /** The file it was read from, e.g. "manifest-sha256.txt". */
  file: string;
  kind: 'payload' | 'tag';
  algorithm: DigestAlgorithm;
  /** Bag-relative path → lower-case hex digest, in file order. */
  entries: Map<string, string>;
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

export interface ParsedManifest {
  manifest: Manifest;
  problems: string[];
  warnings: string[];
}

/**
 * Each line is "CHECKSUM FILEPATH", separated by spaces or tabs; hex in either case; an md5sum-style
 * "*" (binary mode) before the path is ignored. Before BagIt 1.0 a file listed twice with the same
 * checksum was tolerated; since 1.0 it is an error, as is listing a file twice with different ones.
 */
export function parseManifest(
  text: string,
  file: string,
  kind: 'payload' | 'tag',
  algorithm: DigestAlgorithm,
  duplicatesAllowed: boolean,
): ParsedManifest {
  const entries = new Map<string, string>();
  const problems: string[] = [];
  const warnings: string[] = [];
  const relative: string[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.trim() === '') continue;
    const where = `${file} line ${index + 1}`;
    const match = /^[ \t]*(\S+)[ \t]+(.+)$/.exec(line);
    if (!match) {
      problems.push(`${where} is not "CHECKSUM FILEPATH": ${JSON.stringify(line)}`);
      continue;
    }
    const checksum = match[1].toLowerCase();
    if (checksum.length !== HEX_LENGTH[algorithm] || !/^[0-9a-f]+$/.test(checksum)) {
      problems.push(`${where}: ${JSON.stringify(match[1])} is not a ${algorithm} checksum`);
      continue;
    }
    const written = match[2].startsWith('*') ? match[2].slice(1) : match[2];
    const decoded = decodeManifestPath(written);
    if (!decoded.ok) {
      problems.push(`${where}: ${decoded.problem}`);
      continue;
    }
    const path = decoded.path;
    if (decoded.relative) relative.push(written);
    if (kind === 'payload' && !isPayloadPath(path)) {
      problems.push(`${where}: ${path} is outside the payload directory (data/)`);
      continue;
    }
    if (kind === 'tag' && isPayloadPath(path)) {
      problems.push(`${where}: ${path} is a payload file, which tag manifests must not list`);
      continue;
    }
    const earlier = entries.get(path);
    if (earlier !== undefined) {
      if (earlier === checksum && duplicatesAllowed) warnings.push(`${file} lists ${path} twice`);
      else problems.push(`${file} lists ${path} more than once`);
      continue;
    }
    entries.set(path, checksum);
  }
  if (relative.length > 0) warnings.push(relativePathWarning(file, relative));
  return { manifest: { file, kind, algorithm, entries }, problems, warnings };
}

/** One warning per manifest, however many lines: a bag written by one tool writes them all alike. */
function relativePathWarning(file: string, written: readonly string[]): string {
  const count = written.length === 1 ? '1 path' : `${written.length} paths`;
  return `${file} writes ${count} with "./", "../" or "//" (e.g. ${JSON.stringify(written[0])}); RFC 8493 wants paths like "data/file"`;
}
