import { visibleRequests } from '../../deletion/deletion-requests.ts';
import { parseQuery } from '../../schemas/problems.ts';
import { deletionListQuery } from '../../schemas/query-parameters.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { parseLimit } from '../../table/pagination.ts';

/** GET /deletion-requests?status=open|approved|rejected (open by default). */
export const handler = apiHandler(async (request) => {
  const status = parseQuery(request.query, deletionListQuery).status ?? 'open';
  const { requests, next } = await visibleRequests(
    callerOf(request),
    status,
    parseLimit(request.query.limit),
    request.query.next,
  );
  return json(200, { type: 'ResultList', results: requests, ...(next ? { next } : {}) });
});
