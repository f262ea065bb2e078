import { Invalid } from '../errors.ts';
import { MAX_S3_KEY_BYTES, relativePathProblem } from '../safe-path.ts';
import { type CartEntry, HASH_TYPES, type HashType, HEX_DIGEST_LENGTH } from './cart-file.ts';

/**
 * Validates a cart request body (`{"fileids":[{id,path,hashtype,hashsum}]}`) without touching the
 * registry. Every problem is reported at once, one per line, in the API's "Invalid value at …" style.
 */
/**
 * SPEC §2's largest cart. Its body (about 15 MB of JSON) passes API Gateway's 10 MB compressed:
 * `Content-Encoding: gzip` (lambdas/http/content-encoding.ts); its ids are looked up by the workflow.
 */
export const MAX_CART_FILES = 100_000;
/** A stored file id is an S3 key, which S3 limits to 1024 bytes. */
const MAX_ID_BYTES = 1024;
const ENTRY_FIELDS = new Set(['id', 'path', 'hashtype', 'hashsum']);
const HEX = /^[0-9a-fA-F]*$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Why a tar member path is unacceptable, or undefined when it is fine: the safe relative path of
 * SPEC §3, and "/" as the only separator (a "\\" would climb on extraction under Windows).
 */
export function pathProblem(path: string): string | undefined {
  if (path.includes('\\')) return 'must use "/" between segments, not "\\"';
  return relativePathProblem(path, MAX_S3_KEY_BYTES)?.replace(/\.$/, '');
}

function entryAt(value: unknown, at: string, problems: string[]): CartEntry | undefined {
  if (!isObject(value)) {
    problems.push(`Invalid value at ${at}: must be an object with id, path, hashtype and hashsum.`);
    return undefined;
  }
  const before = problems.length;
  for (const field of Object.keys(value))
    if (!ENTRY_FIELDS.has(field)) problems.push(`Unknown field at ${at}.${field}.`);

  const { id, path, hashtype, hashsum = '' } = value;
  if (typeof id !== 'string' || id === '' || Buffer.byteLength(id) > MAX_ID_BYTES)
    problems.push(`Invalid value at ${at}.id: must be a stored file id.`);
  if (typeof path !== 'string') problems.push(`Invalid value at ${at}.path: must be a string.`);
  else {
    const problem = pathProblem(path);
    if (problem) problems.push(`Invalid value at ${at}.path: ${problem}.`);
  }
  const knownType = typeof hashtype === 'string' && (HASH_TYPES as readonly string[]).includes(hashtype);
  if (!knownType) problems.push(`Invalid value at ${at}.hashtype: must be one of ${HASH_TYPES.join(', ')}.`);
  if (typeof hashsum !== 'string') problems.push(`Invalid value at ${at}.hashsum: must be a string.`);
  else if (knownType && hashsum !== '') {
    const length = HEX_DIGEST_LENGTH[hashtype as HashType];
    if (hashsum.length !== length || !HEX.test(hashsum))
      problems.push(
        `Invalid value at ${at}.hashsum: must be empty or a ${length}-character hex ${hashtype as string} digest.`,
      );
  }
  if (problems.length > before) return undefined;
  return {
    id: id as string,
    path: path as string,
    hashtype: hashtype as HashType,
    hashsum: (hashsum as string).toLowerCase(),
  };
}

/** Paths must be unique, and no file may sit where another file needs a directory. */
function layoutProblems(entries: readonly { entry: CartEntry; at: string }[]): string[] {
  const problems: string[] = [];
  const fileAt = new Map<string, string>();
  for (const { entry, at } of entries) {
    const first = fileAt.get(entry.path);
    if (first) problems.push(`Duplicate path at ${at}.path: "${entry.path}" is also the path of ${first}.`);
    else fileAt.set(entry.path, at);
  }
  const directories = new Set<string>();
  for (const path of fileAt.keys()) {
    const segments = path.split('/');
    for (let end = 1; end < segments.length; end++) directories.add(segments.slice(0, end).join('/'));
  }
  for (const [path, at] of fileAt) {
    if (directories.has(path))
      problems.push(
        `Invalid value at ${at}.path: "${path}" is a file but other paths need it as a directory.`,
      );
  }
  return problems;
}

export function parseCartRequest(body: unknown): CartEntry[] {
  if (!isObject(body)) throw new Invalid('The request body must be a JSON object with a "fileids" list.');
  const problems: string[] = [];
  for (const field of Object.keys(body))
    if (field !== 'fileids') problems.push(`Unknown field at .${field}.`);
  const { fileids } = body;
  if (!Array.isArray(fileids) || fileids.length === 0) {
    problems.push('Invalid value at .fileids: must be a non-empty list of files.');
  } else if (fileids.length > MAX_CART_FILES) {
    problems.push(`Invalid value at .fileids: a cart holds at most ${MAX_CART_FILES} files.`);
  }
  if (problems.length > 0) throw new Invalid(problems.join('\n'));

  const entries: { entry: CartEntry; at: string }[] = [];
  (fileids as unknown[]).forEach((value, index) => {
    const at = `.fileids[${index}]`;
    const entry = entryAt(value, at, problems);
    if (entry) entries.push({ entry, at });
  });
  problems.push(...layoutProblems(entries));
  if (problems.length > 0) throw new Invalid(problems.join('\n'));
  return entries.map(({ entry }) => entry);
}
