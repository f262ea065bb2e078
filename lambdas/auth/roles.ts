/** What a key may do (SPEC §4); `admin` implies every other role. */
export const ROLES = ['read', 'ingest', 'delete-request', 'delete-approve', 'admin'] as const;
export type Role = (typeof ROLES)[number];
