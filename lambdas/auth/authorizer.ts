import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { UNAUTHORIZED } from '../http/errors.ts';
import { findRouteByKey } from '../http/routes.ts';
import { logger } from '../observability.ts';
import { findPrincipal } from './api-key-repository.ts';
import { parseAuthorizationHeader } from './api-keys.ts';
import { hasRole, principalToContext } from './principal.ts';

/**
 * Authenticates the API key and checks the route's role from the route table. A missing, garbled or
 * unknown key is a 401; a valid key without the role is a 403. Space checks need the resource, so
 * handlers make them (answering 404, to leak nothing).
 */
export async function handler(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<Record<string, string>>> {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const presented = parseAuthorizationHeader(header);
  if (!presented) throw new Error(UNAUTHORIZED);
  const principal = await findPrincipal(presented);
  if (!principal) {
    logger.info('Rejected an unknown API key', { user: presented.user });
    throw new Error(UNAUTHORIZED);
  }
  const route = findRouteByKey(event.routeKey);
  const allowed = route !== undefined && (route.role === undefined || hasRole(principal, route.role));
  return { isAuthorized: allowed, context: principalToContext(principal) };
}
