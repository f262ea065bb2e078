import { canUseSpace, type Principal } from './auth/principal.ts';
import { segmentProblem } from './safe-path.ts';
import { getSpace, SPACE_ID } from './spaces/space-repository.ts';

/**
 * The identifier rules of SPEC §3, defined once for every request that names a space or a bag.
 * Each function returns the problem in the validator's words (`must not contain slashes.`) or
 * undefined when the value is fine.
 */

export function spaceIdProblem(id: string): string | undefined {
  if (id === '') return 'must not be empty.';
  if (id.includes('/')) return 'must not contain slashes.';
  if (!SPACE_ID.test(id)) {
    return 'must be 1 to 63 lower-case letters, digits or hyphens, starting with a letter or digit.';
  }
  return undefined;
}

/** SPEC §3. With the space, a version and a path in the bag, a stored file's key stays an S3 key. */
export const MAX_EXTERNAL_IDENTIFIER_LENGTH = 512;

const EXTERNAL_IDENTIFIER_CHARACTERS = /^[-_/ .a-zA-Z0-9]*$/;
const LETTER_OR_DIGIT = /[a-zA-Z0-9]/;
const VERSION_SEGMENT = /^v\d+$/;

export function externalIdentifierProblem(id: string): string | undefined {
  if (id === '') return 'must not be empty.';
  if (id.length > MAX_EXTERNAL_IDENTIFIER_LENGTH) {
    return `must be at most ${MAX_EXTERNAL_IDENTIFIER_LENGTH} characters.`;
  }
  if (!EXTERNAL_IDENTIFIER_CHARACTERS.test(id)) {
    return 'must contain only letters, digits, spaces and the characters - _ / .';
  }
  if (!LETTER_OR_DIGIT.test(id[0] as string) || !LETTER_OR_DIGIT.test(id[id.length - 1] as string)) {
    return 'must start and end with a letter or digit.';
  }
  if (id.includes('//')) return 'must not contain "//".';
  if (id.includes('  ')) return 'must not contain double spaces.';
  const segments = id.split('/');
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem) return problem;
  }
  const padded = segments.find((segment) => /^[ .]|[ .]$/.test(segment));
  if (padded !== undefined)
    return `must not contain a path segment that starts or ends with a space or a dot (found "${padded}").`;
  // A segment like "v2" would be indistinguishable from a version in stored file ids (SPEC §3).
  const versionLike = segments.find((segment) => VERSION_SEGMENT.test(segment));
  if (versionLike) return `must not contain a path segment of the form vN (found "${versionLike}").`;
  // "/versions" is the bag API's own path suffix.
  if (id.endsWith('/versions')) return 'must not end with "/versions".';
  return undefined;
}

export const isExternalIdentifier = (id: string) => externalIdentifierProblem(id) === undefined;

/**
 * Whether a well-formed space id names a space this key may use. An unknown space and a space of
 * someone else's read the same, so the answer leaks nothing.
 */
export async function isSpaceAvailable(principal: Principal, id: string): Promise<boolean> {
  return canUseSpace(principal, id) && (await getSpace(id)) !== undefined;
}

export const spaceUnavailable = (id: string) =>
  `no space ${JSON.stringify(id)} is available to this API key.`;

/** Ingest ids are UUIDs; anything else cannot name an ingest (and is not worth a table read). */
export const isIngestId = (id: string) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
