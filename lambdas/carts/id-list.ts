/** Names files in a message: all of them up to `limit`, then how many more. */
export function listIds(ids: readonly string[], limit = 10): string {
  const named = ids.slice(0, limit).join(', ');
  return ids.length > limit ? `${named} and ${ids.length - limit} more` : named;
}
