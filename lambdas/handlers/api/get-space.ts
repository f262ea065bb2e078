import { canUseSpace } from '../../auth/principal.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { NotFound } from '../../errors.ts';
import { spaceIdProblem } from '../../identifiers.ts';
import { excerpt } from '../../client-text.ts';
import { getSpace } from '../../spaces/space-repository.ts';

export const handler = apiHandler(async (request) => {
  const id = request.pathParameters.id ?? '';
  // A name that cannot be a space (8 KB long) is not looked up: DynamoDB would refuse the key.
  const possible = spaceIdProblem(id) === undefined && canUseSpace(callerOf(request), id);
  const space = possible ? await getSpace(id) : undefined;
  if (!space) throw new NotFound(`Space not found: ${excerpt(id)}`);
  return json(200, space);
});
