import { canUseSpace } from '../../auth/principal.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { NotFound } from '../../errors.ts';
import { getSpace } from '../../spaces/space-repository.ts';

export const handler = apiHandler(async (request) => {
  const id = request.pathParameters.id ?? '';
  const space = canUseSpace(callerOf(request), id) ? await getSpace(id) : undefined;
  if (!space) throw new NotFound(`Space not found: ${id}`);
  return json(200, space);
});
