/**
 * The route table: the one definition of the HTTP API. CDK creates an HTTP API route and a Lambda
 * function per entry's handler from it; the local stack's HTTP server dispatches with it; the
 * authorizer reads each route's required role from it.
 */
import type { Role } from '../auth/roles.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';

export interface Route {
  method: HttpMethod;
  /** API Gateway v2 path syntax: `{name}` is one segment, `{name+}` is greedy. */
  path: string;
  /** Module under lambdas/handlers/api/ exporting `handler`. */
  handler: string;
  /** The role a key must hold; `undefined` makes the route public. */
  role?: Role;
}

export const routes: readonly Route[] = [
  { method: 'GET', path: '/healthcheck', handler: 'healthcheck' },
  { method: 'GET', path: '/spaces', handler: 'list-spaces', role: 'read' },
  { method: 'GET', path: '/spaces/{id}', handler: 'get-space', role: 'read' },
  { method: 'POST', path: '/uploads', handler: 'create-upload', role: 'ingest' },
  { method: 'POST', path: '/uploads/complete', handler: 'complete-upload', role: 'ingest' },
  { method: 'POST', path: '/ingests', handler: 'create-ingest', role: 'ingest' },
  { method: 'GET', path: '/ingests', handler: 'list-ingests', role: 'read' },
  { method: 'GET', path: '/ingests/{id}', handler: 'get-ingest', role: 'read' },
  { method: 'POST', path: '/ingests/{id}/action', handler: 'ingest-action', role: 'ingest' },
  { method: 'GET', path: '/bags', handler: 'list-bags', role: 'read' },
  // Identifiers contain slashes, so manifest, versions and file downloads share one greedy route.
  { method: 'GET', path: '/bags/{space}/{proxy+}', handler: 'get-bag', role: 'read' },
  // Fixity reads every copy and may rewrite bad ones: a curator's action (ingest), not any reader's.
  { method: 'POST', path: '/bags/{space}/{proxy+}', handler: 'start-fixity', role: 'ingest' },
  { method: 'GET', path: '/fixity/{id}', handler: 'get-fixity', role: 'read' },
  { method: 'POST', path: '/carts/{cartId}', handler: 'create-cart', role: 'read' },
  { method: 'HEAD', path: '/carts/{cartId}', handler: 'cart-status', role: 'read' },
  { method: 'GET', path: '/carts/{cartId}', handler: 'download-cart', role: 'read' },
  { method: 'DELETE', path: '/carts/{cartId}', handler: 'delete-cart', role: 'read' },
];

export function routeKey(route: Route): string {
  return `${route.method} ${route.path}`;
}

export function findRouteByKey(key: string): Route | undefined {
  return routes.find((route) => routeKey(route) === key);
}

/** Distinct handler modules, in table order. */
export function routeHandlers(): string[] {
  return [...new Set(routes.map((route) => route.handler))];
}
