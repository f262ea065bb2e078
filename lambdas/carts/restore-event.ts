import type { AwaitedObject } from './restore-waiters.ts';

/** What S3 sends EventBridge when a restore from cold storage has finished (the fields we read). */
export interface RestoreCompletedEvent {
  'detail-type'?: string;
  source?: string;
  detail?: { bucket?: { name?: unknown }; object?: { key?: unknown } };
}

export const RESTORE_COMPLETED = 'Object Restore Completed';

/**
 * The object an event names: its key as sent and, when S3 sent it URL-encoded (S3's other
 * notifications do: "+" for a space), decoded too, so a waiter is found either way.
 */
export function restoredObjects(event: RestoreCompletedEvent): AwaitedObject[] {
  if (event.source !== 'aws.s3' || event['detail-type'] !== RESTORE_COMPLETED) return [];
  const bucket = event.detail?.bucket?.name;
  const key = event.detail?.object?.key;
  if (typeof bucket !== 'string' || typeof key !== 'string' || !bucket || !key) return [];
  let decoded = key;
  try {
    decoded = decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    // not URL-encoded
  }
  return [...new Set([key, decoded])].map((candidate) => ({ bucket, key: candidate }));
}
