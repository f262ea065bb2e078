/** Names files in a message: all of them up to `limit`, then how many more. */
export function listIds(ids: readonly string[], limit = 10): string {
  const named = ids.slice(0, limit).join(', ');
  return ids.length > limit ? `${named} and ${ids.length - limit} more` : named;
}

/** Room left for " and 99999 more" after the ids named. */
const MORE_RESERVE = 20;

/**
 * Names as many files as fit in `maxChars` (ids may be 1 KB each, and 100,000 of them may be bad),
 * then how many more: the message stays a readable header and status field whatever the cart.
 */
export function listIdsWithin(ids: readonly string[], maxChars: number): string {
  let named = 0;
  let length = 0;
  while (named < ids.length) {
    const added = (named > 0 ? 2 : 0) + (ids[named] as string).length;
    const tail = named + 1 < ids.length ? MORE_RESERVE : 0;
    if (length + added + tail > maxChars) break;
    length += added;
    named++;
  }
  return named === 0 ? `${ids.length} files` : listIds(ids, named);
}
