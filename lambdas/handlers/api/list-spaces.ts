import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { listSpaces } from '../../spaces/space-repository.ts';
import { parseLimit } from '../../table/pagination.ts';
import { parseQuery } from '../../schemas/problems.ts';
import { pageQuery } from '../../schemas/query-parameters.ts';

/** GET /spaces: the spaces this key may use, paginated; others never shape a page. */
export const handler = apiHandler(async (request) => {
  parseQuery(request.query, pageQuery);
  const { spaces, next } = await listSpaces(
    parseLimit(request.query.limit),
    request.query.next,
    callerOf(request),
  );
  return json(200, { type: 'ResultList', results: spaces, ...(next ? { next } : {}) });
});
