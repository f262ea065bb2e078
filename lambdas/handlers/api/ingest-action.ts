import { canUseSpace } from '../../auth/principal.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { NotFound } from '../../errors.ts';
import { isIngestId } from '../../identifiers.ts';
import { cancelIngest } from '../../ingests/cancel-ingest.ts';
import { getIngest, requireIngest, toApiIngest } from '../../ingests/ingest-repository.ts';
import { parseRequest } from '../../schemas/problems.ts';
import { ingestActionSchema } from '../../ingests/ingest-request.ts';

/** POST /ingests/{id}/action `{"action":"cancel"}` → 202 with the cancelled ingest, or 409. */
export const handler = apiHandler(async (request) => {
  const caller = callerOf(request);
  const id = request.pathParameters.id ?? '';
  const ingest = isIngestId(id) ? await getIngest(id) : undefined;
  if (!ingest || !canUseSpace(caller, ingest.space.id)) throw new NotFound(`Ingest ${id} not found`);
  parseRequest(request.body, ingestActionSchema);
  await cancelIngest(ingest, caller.user);
  return json(202, toApiIngest(await requireIngest(id)));
});
