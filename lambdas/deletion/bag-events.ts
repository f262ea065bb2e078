import { type BagEventType, recordBagEvent } from '../preservation-events/bag-events.ts';

/** A deletion's entries in the bag's preservation history (SPEC §5.4 `/events`). */
export interface DeletionEvent {
  type: Extract<BagEventType, 'deletion request' | 'deletion approval' | 'deletion rejection' | 'deletion'>;
  /** The user who asked or decided, or the workflow that deleted. */
  agent: { type: 'user' | 'service'; id: string };
  description: string;
  date: string;
}

/**
 * Writes a deletion event into the bag's one preservation history, once per request and kind (its
 * date comes from the record it acts on, so a retried step writes the same event again, a no-op).
 */
export async function recordDeletionEvent(
  space: string,
  externalIdentifier: string,
  requestId: string,
  event: DeletionEvent,
): Promise<void> {
  await recordBagEvent(space, externalIdentifier, `deletion:${requestId}:${event.type}`, {
    eventType: event.type,
    date: event.date,
    agent: event.agent,
    outcome: 'success',
    detail: event.description,
  });
}
