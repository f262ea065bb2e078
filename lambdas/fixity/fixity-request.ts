import { canUseSpace } from '../auth/principal.ts';
import { Invalid, NotFound } from '../errors.ts';
import { type ApiRequest, callerOf, json } from '../http/api-handler.ts';
import { invalidAt } from '../json-validation.ts';
import { versionNumber } from '../storage/storage-layout.ts';
import { startFixity } from './start-fixity.ts';

/**
 * POST /bags/{space}/{id}/fixity[?version=vN] (one of the bag actions, lambdas/handlers/api/bag-action.ts):
 * starts a fixity run of the version, the latest by default. Fixity reads every copy and may rewrite
 * bad ones, so it needs the ingest role (a curator's action), not just read.
 */
export async function startFixityRequest(request: ApiRequest, space: string, externalIdentifier: string) {
  const version = request.query.version;
  if (version !== undefined && versionNumber(version) === undefined) {
    throw new Invalid(invalidAt('version', `got ${JSON.stringify(version)}, expected a version such as v1.`));
  }
  const caller = callerOf(request);
  if (!canUseSpace(caller, space)) {
    throw new NotFound(
      `Storage manifest ${space}/${externalIdentifier}${version ? ` ${version}` : ''} not found`,
    );
  }
  const run = await startFixity(space, externalIdentifier, version, { type: 'user', id: caller.user });
  return json(202, { id: run.id }, { location: `/fixity/${run.id}` });
}
