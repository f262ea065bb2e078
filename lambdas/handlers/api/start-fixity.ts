import { canUseSpace } from '../../auth/principal.ts';
import { Invalid, NotFound } from '../../errors.ts';
import { startFixity } from '../../fixity/start-fixity.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';
import { isExternalIdentifier } from '../../identifiers.ts';
import { invalidAt } from '../../json-validation.ts';
import { versionNumber } from '../../storage/storage-layout.ts';

const FIXITY_SUFFIX = '/fixity';

/**
 * POST /bags/{space}/{id}/fixity[?version=vN] (identifiers contain slashes, so the action is the
 * last segment of the greedy path): starts a fixity run of the version, the latest by default.
 */
export const handler = apiHandler(async (request) => {
  const space = request.pathParameters.space ?? '';
  const proxy = request.pathParameters.proxy ?? '';
  const externalIdentifier = proxy.slice(0, -FIXITY_SUFFIX.length);
  if (!proxy.endsWith(FIXITY_SUFFIX) || !isExternalIdentifier(externalIdentifier)) {
    throw new NotFound(
      `No action at POST /bags/${space}/${proxy}: POST /bags/{space}/{id}/fixity starts a fixity check`,
    );
  }
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
});
