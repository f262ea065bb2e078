import { listBags } from '../../bags/bag-registry.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { NotFound } from '../../errors.ts';
import { isSpaceAvailable } from '../../identifiers.ts';
import { parseQuery } from '../../schemas/problems.ts';
import { spaceQuery } from '../../schemas/query-parameters.ts';
import { parseLimit } from '../../table/pagination.ts';

/** GET /bags?space=: each bag's latest version, size, file count and date, by identifier. */
export const handler = apiHandler(async (request) => {
  const { space, next } = parseQuery(request.query, spaceQuery);
  const limit = parseLimit(request.query.limit);
  if (!(await isSpaceAvailable(callerOf(request), space))) throw new NotFound(`Space not found: ${space}`);
  const page = await listBags(space, limit, next ?? undefined, callerOf(request).user);
  return json(200, {
    type: 'ResultList',
    results: page.bags.map((bag) => ({
      type: 'Bag',
      id: `${bag.space}/${bag.externalIdentifier}`,
      space: { id: bag.space },
      externalIdentifier: bag.externalIdentifier,
      version: bag.latestVersion,
      size: bag.size,
      fileCount: bag.fileCount,
      createdDate: bag.createdDate,
    })),
    ...(page.next ? { next: page.next } : {}),
  });
});
