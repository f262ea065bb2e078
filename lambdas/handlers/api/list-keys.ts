import { listApiKeys } from '../../auth/api-key-repository.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { parseLimit } from '../../table/pagination.ts';
import { parseQuery } from '../../schemas/problems.ts';
import { pageQuery } from '../../schemas/query-parameters.ts';

export const handler = apiHandler(async (request) => {
  parseQuery(request.query, pageQuery);
  const { keys, next } = await listApiKeys(
    parseLimit(request.query.limit),
    request.query.next,
    callerOf(request).user,
  );
  return json(200, { type: 'ResultList', results: keys, ...(next ? { next } : {}) });
});
