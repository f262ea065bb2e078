import { canUseSpace } from '../auth/principal.ts';
import { NotFound } from '../errors.ts';
import { type ApiRequest, callerOf, json, locationOf } from '../http/api-handler.ts';
import { parseQuery } from '../schemas/problems.ts';
import { versionQuery } from '../schemas/query-parameters.ts';
import { startFixity } from './start-fixity.ts';

/**
 * POST /bags/{space}/{id}/fixity[?version=vN] (one of the bag actions, lambdas/handlers/api/bag-action.ts):
 * starts a fixity run of the version, the latest by default. Fixity reads every copy and may rewrite
 * bad ones, so it needs the ingest role (a curator's action), not just read.
 */
export async function startFixityRequest(request: ApiRequest, space: string, externalIdentifier: string) {
  const version = parseQuery(request.query, versionQuery).version ?? undefined;
  const caller = callerOf(request);
  if (!canUseSpace(caller, space)) {
    throw new NotFound(
      `Storage manifest ${space}/${externalIdentifier}${version ? ` ${version}` : ''} not found`,
    );
  }
  const run = await startFixity(space, externalIdentifier, version, { type: 'user', id: caller.user });
  return json(202, { id: run.id }, locationOf(request, `/fixity/${run.id}`));
}
