import { canUseSpace } from '../../auth/principal.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { listSpaces } from '../../spaces/space-repository.ts';
import { parseLimit } from '../../table/pagination.ts';

export const handler = apiHandler(async (request) => {
  const caller = callerOf(request);
  const { spaces, next } = await listSpaces(parseLimit(request.query.limit), request.query.next);
  const results = spaces.filter((space) => canUseSpace(caller, space.id));
  return json(200, { type: 'ResultList', results, ...(next ? { next } : {}) });
});
