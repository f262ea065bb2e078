import type { RegisteredVersion } from '../bags/bag-registry.ts';
import { fixitySummary } from '../fixity/fixity-report.ts';
import { bagRunsPage } from '../fixity/fixity-runs.ts';
import { parseLimit } from '../table/pagination.ts';
import { bagEventsPage } from './bag-events.ts';

/**
 * `GET /bags/{space}/{id}/events` (oldest first) and `GET /bags/{space}/{id}/fixity` (newest first),
 * as result lists with `limit` and `next`.
 */
export async function bagListPage(
  kind: 'fixity' | 'events',
  bag: RegisteredVersion,
  query: Record<string, string>,
  caller: string,
) {
  const page = { limit: parseLimit(query.limit), cursor: query.next, caller };
  const list =
    kind === 'events'
      ? await bagEventsPage(bag.space, bag.externalIdentifier, page).then((events) => ({
          results: events.events as object[],
          next: events.next,
        }))
      : await bagRunsPage(bag.space, bag.externalIdentifier, page).then((runs) => ({
          results: runs.runs.map(fixitySummary) as object[],
          next: runs.next,
        }));
  return { type: 'ResultList', results: list.results, ...(list.next ? { next: list.next } : {}) };
}
