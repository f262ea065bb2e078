import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { NotFound } from '../../errors.ts';
import { isSpaceAvailable, spaceParameterProblem } from '../../identifiers.ts';
import type { IngestStatus } from '../../ingests/ingest.ts';
import { listIngests, toApiIngest } from '../../ingests/ingest-repository.ts';
import { oneOf, rejectIfAny } from '../../json-validation.ts';
import { parseLimit } from '../../table/pagination.ts';

const STATUSES = [
  'accepted',
  'processing',
  'succeeded',
  'failed',
  'cancelled',
] as const satisfies readonly IngestStatus[];

/** GET /ingests?space=&status=: newest first, `limit`/`next` paginated. */
export const handler = apiHandler(async (request) => {
  const { space, status } = request.query;
  const problems: string[] = [];
  const spaceProblem = spaceParameterProblem(space);
  if (spaceProblem) problems.push(spaceProblem);
  if (status !== undefined) oneOf(STATUSES).read(status, 'status', problems);
  rejectIfAny(problems);
  const limit = parseLimit(request.query.limit);
  if (!(await isSpaceAvailable(callerOf(request), space as string)))
    throw new NotFound(`Space not found: ${space}`);
  const page = await listIngests(
    space as string,
    status as IngestStatus | undefined,
    limit,
    request.query.next,
    callerOf(request).user,
  );
  return json(200, {
    type: 'ResultList',
    results: page.ingests.map(toApiIngest),
    ...(page.next ? { next: page.next } : {}),
  });
});
