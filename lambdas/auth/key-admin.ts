import { Invalid } from '../errors.ts';
import { spaceIdProblem } from '../identifiers.ts';
import { parseRequest } from '../schemas/problems.ts';
import { array, object, oneOf, text } from '../schemas/request-fields.ts';
import { getSpace } from '../spaces/space-repository.ts';
import { createApiKey } from './api-key-repository.ts';
import { USER_PATTERN } from './api-keys.ts';
import type { IssuedKey } from './key-schema.ts';
import { ROLES } from './roles.ts';

/** The body of `POST /keys`. */
export const keyRequestSchema = object({
  user: text((user) =>
    USER_PATTERN.test(user) ? undefined : 'must be 1 to 128 letters, digits or . _ @ - characters.',
  ),
  spaces: array(
    text((space) => (space === '*' ? undefined : spaceIdProblem(space))),
    { min: 1, max: 100 },
  ),
  roles: array(oneOf(ROLES), { min: 1, max: ROLES.length }),
});

export type { IssuedKey } from './key-schema.ts';

/** POST /keys: issues a key (replacing the user's old one) for spaces that exist. */
export async function issueKey(body: unknown): Promise<IssuedKey> {
  const input = parseRequest(body, keyRequestSchema);
  const spaces = [...new Set(input.spaces)];
  const roles = [...new Set(input.roles)];
  if (spaces.includes('*') && spaces.length > 1) {
    throw new Invalid('Invalid value at .spaces: "*" already means every space; list it alone.');
  }
  const named = spaces.filter((space) => space !== '*');
  const missing = (
    await Promise.all(named.map(async (space) => ((await getSpace(space)) ? undefined : space)))
  ).filter((space) => space !== undefined);
  if (missing.length > 0) {
    throw new Invalid(
      `Invalid value at .spaces: no such space: ${missing.join(', ')}. Create it first (POST /spaces).`,
    );
  }
  const { apiKey, createdDate } = await createApiKey({ user: input.user, spaces, roles });
  return { user: input.user, key: apiKey, spaces, roles, createdDate };
}
