import { listBags } from '../../bags/bag-registry.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { NotFound } from '../../errors.ts';
import { isSpaceAvailable, spaceParameterProblem } from '../../identifiers.ts';
import { rejectIfAny } from '../../json-validation.ts';
import { parseLimit } from '../../table/pagination.ts';

/** GET /bags?space=: each bag's latest version, size, file count and date, by identifier. */
export const handler = apiHandler(async (request) => {
  const { space } = request.query;
  const problem = spaceParameterProblem(space);
  rejectIfAny(problem ? [problem] : []);
  const limit = parseLimit(request.query.limit);
  if (!(await isSpaceAvailable(callerOf(request), space as string)))
    throw new NotFound(`Space not found: ${space}`);
  const page = await listBags(space as string, limit, request.query.next, callerOf(request).user);
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
