import { z } from 'zod';
import { type Role, ROLES } from './roles.ts';

/** Who is calling: what the authorizer found for the request's API key. */
export const principalSchema = z.object({
  user: z.string(),
  /** Spaces the key may use; `['*']` means every space. */
  spaces: z.array(z.string()),
  roles: z.array(z.enum(ROLES)),
});
export type Principal = z.output<typeof principalSchema>;

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
