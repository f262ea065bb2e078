import { canUseSpace } from '../../auth/principal.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { NotFound } from '../../errors.ts';
import { isIngestId } from '../../identifiers.ts';
import { getIngest, toApiIngest } from '../../ingests/ingest-repository.ts';

/** GET /ingests/{id}; an ingest in a space the key cannot use is as absent as an unknown one. */
export const handler = apiHandler(async (request) => {
  const id = request.pathParameters.id ?? '';
  const ingest = isIngestId(id) ? await getIngest(id) : undefined;
  if (!ingest || !canUseSpace(callerOf(request), ingest.space.id))
    throw new NotFound(`Ingest ${id} not found`);
  return json(200, toApiIngest(ingest));
});
