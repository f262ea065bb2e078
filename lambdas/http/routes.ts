/**
 * The route table: the one definition of the HTTP API. CDK creates an HTTP API route and a Lambda
 * function per entry's handler from it; the local stack's HTTP server dispatches with it; the
 * authorizer reads each route's required role from it.
 */
import type { Role } from '../auth/roles.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

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
  { method: 'POST', path: '/spaces', handler: 'create-space', role: 'admin' },
  { method: 'PATCH', path: '/spaces/{id}', handler: 'update-space', role: 'admin' },
  { method: 'POST', path: '/keys', handler: 'create-key', role: 'admin' },
  { method: 'GET', path: '/keys', handler: 'list-keys', role: 'admin' },
  { method: 'DELETE', path: '/keys/{user}', handler: 'revoke-key', role: 'admin' },
  { method: 'POST', path: '/uploads', handler: 'create-upload', role: 'ingest' },
  { method: 'POST', path: '/uploads/complete', handler: 'complete-upload', role: 'ingest' },
  { method: 'POST', path: '/uploads/parts', handler: 'upload-parts', role: 'ingest' },
  { method: 'POST', path: '/ingests', handler: 'create-ingest', role: 'ingest' },
  { method: 'GET', path: '/ingests', handler: 'list-ingests', role: 'read' },
  { method: 'GET', path: '/ingests/{id}', handler: 'get-ingest', role: 'read' },
  { method: 'POST', path: '/ingests/{id}/action', handler: 'ingest-action', role: 'ingest' },
  { method: 'GET', path: '/bags', handler: 'list-bags', role: 'read' },
  // Identifiers contain slashes, so manifest, versions and file downloads share one greedy route.
  { method: 'GET', path: '/bags/{space}/{proxy+}', handler: 'get-bag', role: 'read' },
  // Actions on a bag (deletion requests, fixity) dispatch on the suffix; each checks its own role.
  { method: 'POST', path: '/bags/{space}/{proxy+}', handler: 'bag-action', role: 'read' },
  { method: 'GET', path: '/fixity/{id}', handler: 'get-fixity', role: 'read' },
  { method: 'GET', path: '/deletion-requests', handler: 'list-deletion-requests', role: 'read' },
  { method: 'GET', path: '/deletion-requests/{id}', handler: 'get-deletion-request', role: 'read' },
  {
    method: 'POST',
    path: '/deletion-requests/{id}/approve',
    handler: 'decide-deletion-request',
    role: 'delete-approve',
  },
  {
    method: 'POST',
    path: '/deletion-requests/{id}/reject',
    handler: 'decide-deletion-request',
    role: 'delete-approve',
  },
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
