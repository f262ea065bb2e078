import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { NotFound } from '../../errors.ts';
import { isSpaceAvailable } from '../../identifiers.ts';
import { listIngests, toApiIngest } from '../../ingests/ingest-repository.ts';
import { parseQuery } from '../../schemas/problems.ts';
import { ingestListQuery } from '../../schemas/query-parameters.ts';
import { parseLimit } from '../../table/pagination.ts';

/** GET /ingests?space=&status=: newest first, `limit`/`next` paginated. */
export const handler = apiHandler(async (request) => {
  const { space, status, next } = parseQuery(request.query, ingestListQuery);
  const limit = parseLimit(request.query.limit);
  if (!(await isSpaceAvailable(callerOf(request), space))) throw new NotFound(`Space not found: ${space}`);
  const page = await listIngests(
    space,
    status ?? undefined,
    limit,
    next ?? undefined,
    callerOf(request).user,
  );
  return json(200, {
    type: 'ResultList',
    results: page.ingests.map(toApiIngest),
    ...(page.next ? { next: page.next } : {}),
  });
});
