import type { Role } from './roles.ts';

/** Who is calling: what the authorizer found for the request's API key. */
export interface Principal {
  user: string;
  /** Spaces the key may use; `['*']` means every space. */
  spaces: string[];
  roles: Role[];
}

export function canUseSpace(principal: Principal, space: string): boolean {
  return principal.spaces.includes('*') || principal.spaces.includes(space);
}

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.includes(role) || principal.roles.includes('admin');
}

/** The authorizer hands the principal to handlers as flat string context (what API Gateway allows). */
export function principalToContext(principal: Principal): Record<string, string> {
  return { user: principal.user, spaces: principal.spaces.join(','), roles: principal.roles.join(',') };
}

export function principalFromContext(context: Record<string, unknown> | undefined): Principal | undefined {
  if (!context || typeof context.user !== 'string') return undefined;
  const list = (value: unknown) => (typeof value === 'string' && value ? value.split(',') : []);
  return { user: context.user, spaces: list(context.spaces), roles: list(context.roles) as Role[] };
}
