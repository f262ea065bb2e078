import { hasRole } from '../../auth/principal.ts';
import type { Role } from '../../auth/roles.ts';
import { REQUEST_CREATED, REQUEST_EXISTS, requestDeletion } from '../../deletion/deletion-requests.ts';
import { Forbidden, NotFound } from '../../errors.ts';
import { startFixityRequest } from '../../fixity/fixity-request.ts';
import {
  type ApiRequest,
  type ApiResult,
  apiHandler,
  callerOf,
  json,
  locationOf,
} from '../../http/api-handler.ts';
import { isExternalIdentifier } from '../../identifiers.ts';

interface BagAction {
  /** The role the action needs beyond the route's `read` (the authorizer checks one role per route). */
  role: Role;
  run(request: ApiRequest, space: string, externalIdentifier: string): Promise<ApiResult>;
}

/**
 * POST /bags/{space}/{proxy+}: identifiers contain slashes, so every action on a bag shares one greedy
 * route and is told apart by the path's last segment. One entry per action.
 */
const ACTIONS: Record<string, BagAction> = {
  '/deletion-requests': {
    role: 'delete-request',
    run: async (request, space, externalIdentifier) => {
      const outcome = await requestDeletion(callerOf(request), space, externalIdentifier, request.body);
      return outcome.created
        ? json(
            202,
            { id: outcome.id, message: REQUEST_CREATED },
            locationOf(request, `/deletion-requests/${outcome.id}`),
          )
        : json(200, { message: REQUEST_EXISTS });
    },
  },
  '/fixity': { role: 'ingest', run: startFixityRequest },
};

export const handler = apiHandler(async (request) => {
  const space = request.pathParameters.space ?? '';
  const proxy = request.pathParameters.proxy ?? '';
  for (const [suffix, action] of Object.entries(ACTIONS)) {
    const externalIdentifier = proxy.endsWith(suffix) ? proxy.slice(0, -suffix.length) : '';
    if (!isExternalIdentifier(externalIdentifier)) continue;
    if (!hasRole(callerOf(request), action.role)) {
      throw new Forbidden(`This action needs the ${action.role} role.`);
    }
    return action.run(request, space, externalIdentifier);
  }
  throw new NotFound(`No route for POST ${request.path}`);
});
