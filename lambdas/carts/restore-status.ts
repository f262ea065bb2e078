/**
 * Reads HeadObject's `Restore` header for cold objects:
 * `ongoing-request="true"` while S3 restores, `ongoing-request="false", expiry-date="…"` once a
 * temporary copy is readable, and no header at all when nobody asked for a restore.
 */
export type RestoreState = 'not-requested' | 'in-progress' | 'restored';

export function restoreState(header: string | undefined): RestoreState {
  if (!header) return 'not-requested';
  const ongoing = /ongoing-request\s*=\s*"?(true|false)"?/i.exec(header)?.[1]?.toLowerCase();
  if (ongoing === 'true') return 'in-progress';
  if (ongoing === 'false') return 'restored';
  return 'not-requested';
}
