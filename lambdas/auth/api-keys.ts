import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ROLES, type Role } from './roles.ts';

/** `Authorization: ApiKey {user}:{secret}` (Archivematica's scheme). */
export interface PresentedKey {
  user: string;
  secret: string;
}

const HEADER = /^ApiKey ([^:\s]+):(\S+)$/;

export function parseAuthorizationHeader(header: string | undefined): PresentedKey | undefined {
  const match = header ? HEADER.exec(header.trim()) : null;
  if (!match) return undefined;
  return { user: match[1] as string, secret: match[2] as string };
}

/** Secrets are random and long, so a plain SHA-256 is a safe at-rest form; only the hash is stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function parseRoles(raw: string): Role[] {
  const roles = raw
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (unknown.length > 0)
    throw new Error(`Unknown role(s): ${unknown.join(', ')}. Valid roles: ${ROLES.join(', ')}`);
  if (roles.length === 0) throw new Error('At least one role is required');
  return roles as Role[];
}

export function parseSpaces(raw: string): string[] {
  const spaces = raw
    .split(',')
    .map((space) => space.trim())
    .filter(Boolean);
  if (spaces.length === 0) throw new Error('At least one space (or *) is required');
  return spaces;
}

export const USER_PATTERN = /^[A-Za-z0-9._@-]{1,128}$/;
