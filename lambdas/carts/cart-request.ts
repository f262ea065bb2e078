import { z } from 'zod';
import { parseRequest } from '../schemas/problems.ts';
import { MAX_S3_KEY_BYTES, relativePathProblem } from '../safe-path.ts';
import { type CartEntry, HASH_TYPES, HEX_DIGEST_LENGTH } from './cart-file.ts';

/**
 * SPEC §2's largest cart. Its body (about 15 MB of JSON) passes API Gateway's 10 MB compressed:
 * `Content-Encoding: gzip` (lambdas/http/content-encoding.ts); its ids are looked up by the workflow.
 */
export const MAX_CART_FILES = 100_000;
/** A stored file id is an S3 key, which S3 limits to 1024 bytes. */
const MAX_ID_BYTES = 1024;
const HEX = /^[0-9a-fA-F]*$/;

/**
 * Why a tar member path is unacceptable, or undefined when it is fine: the safe relative path of
 * SPEC §3, and "/" as the only separator (a "\\" would climb on extraction under Windows).
 */
export function pathProblem(path: string): string | undefined {
  if (path.includes('\\')) return 'must use "/" between segments, not "\\"';
  return relativePathProblem(path, MAX_S3_KEY_BYTES)?.replace(/\.$/, '');
}

/** Pacifica's words for an unknown field: a whole line (problems.ts fills in `{at}`). */
const strictFields = (problem: string) => ({
  error: (issue: { code?: string }) =>
    issue.code === 'unrecognized_keys' ? 'Unknown field at {at}.' : problem,
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const storedFileId = z
  .string({ error: 'must be a stored file id.' })
  .min(1, { error: 'must be a stored file id.' })
  .refine((id) => Buffer.byteLength(id) <= MAX_ID_BYTES, { error: 'must be a stored file id.' })
  .meta({ description: 'A stored file id: {space}/{externalIdentifier}/{version}/{path}.' });

const memberPath = z
  .string({ error: 'must be a string.' })
  .superRefine((path, context) => {
    const problem = pathProblem(path);
    if (problem) context.addIssue({ code: 'custom', message: `${problem}.`, input: path });
  })
  .meta({ description: 'Where the file goes in the tar: relative, no `..`, unique.' });

const entrySchema = z
  .strictObject(
    {
      id: storedFileId,
      path: memberPath,
      hashtype: z.enum(HASH_TYPES, { error: `must be one of ${HASH_TYPES.join(', ')}.` }),
      hashsum: z
        .string({ error: 'must be a string.' })
        .optional()
        .meta({ description: "The expected hex digest, or empty to use the stored manifest's." }),
    },
    strictFields('must be an object with id, path, hashtype and hashsum.'),
  )
  // The digest's length depends on the hashtype: checked even when another field is wrong.
  .superRefine(
    (entry, context) => {
      const { hashtype, hashsum } = entry as Record<string, unknown>;
      if (typeof hashsum !== 'string' || hashsum === '') return;
      if (!(HASH_TYPES as readonly unknown[]).includes(hashtype)) return;
      const type = hashtype as CartEntry['hashtype'];
      const length = HEX_DIGEST_LENGTH[type];
      if (hashsum.length !== length || !HEX.test(hashsum))
        context.addIssue({
          code: 'custom',
          path: ['hashsum'],
          message: `must be empty or a ${length}-character hex ${type} digest.`,
          input: hashsum,
        });
    },
    { when: ({ value }) => isRecord(value) },
  );

/**
 * Paths must be unique, and no file may sit where another file needs a directory. Checked among the
 * entries whose own path is acceptable, whatever else is wrong with the list.
 */
function checkLayout(entries: unknown[], context: z.RefinementCtx) {
  const fileAt = new Map<string, number>();
  entries.forEach((entry, index) => {
    if (!isRecord(entry) || typeof entry.path !== 'string' || pathProblem(entry.path)) return;
    const first = fileAt.get(entry.path);
    if (first === undefined) fileAt.set(entry.path, index);
    else
      context.addIssue({
        code: 'custom',
        path: [index, 'path'],
        message: `Duplicate path at {at}: "${entry.path}" is also the path of .fileids[${first}].`,
        input: entry.path,
      });
  });
  const directories = new Set<string>();
  for (const path of fileAt.keys()) {
    const segments = path.split('/');
    for (let end = 1; end < segments.length; end++) directories.add(segments.slice(0, end).join('/'));
  }
  for (const [path, index] of fileAt)
    if (directories.has(path))
      context.addIssue({
        code: 'custom',
        path: [index, 'path'],
        message: `"${path}" is a file but other paths need it as a directory.`,
        input: path,
      });
}

const listProblem = 'must be a non-empty list of files.';

/**
 * `POST /carts/{cartId}` (SPEC §5.5): the check the API and the Resolving task run on a request, in
 * Pacifica's words, and the shape the API description shows. Every problem is reported at once.
 */
export const cartRequestSchema = z
  .strictObject(
    {
      fileids: z
        .array(entrySchema, { error: listProblem })
        .min(1, { error: listProblem })
        .max(MAX_CART_FILES, { error: `a cart holds at most ${MAX_CART_FILES} files.` })
        .superRefine((entries, context) => checkLayout(entries, context), {
          when: ({ value }) => Array.isArray(value),
        }),
    },
    strictFields('must be a JSON object with a "fileids" list.'),
  )
  .meta({ id: 'CartRequest' });

/** The entries of a cart request body, or a 400 naming every problem. */
export function parseCartRequest(body: unknown): CartEntry[] {
  const { fileids } = parseRequest(body, cartRequestSchema);
  return fileids.map((entry) => ({ ...entry, hashsum: (entry.hashsum ?? '').toLowerCase() }));
}
