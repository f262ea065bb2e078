import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';

/** A deletion's entries in the bag's preservation history (SPEC §5.4 `/events`). */
export interface DeletionEvent {
  type: 'deletion-requested' | 'deletion-approved' | 'deletion-rejected' | 'deletion-completed';
  /** The user, or the workflow step, that acted. */
  agent: string;
  outcome: 'success' | 'failure';
  description: string;
  date: string;
}

/**
 * Every deletion event goes through here. Until the bag events module exists on this branch it keeps
 * them in the bag's own history partition (one item per event; a retried step writes the same item
 * again, since its date comes from the record it acts on); the lead wires
 * this to that module at merge.
 */
export async function recordDeletionEvent(
  space: string,
  externalIdentifier: string,
  requestId: string,
  event: DeletionEvent,
): Promise<void> {
  await dynamo().send(
    new PutCommand({
      TableName: config().tableName,
      Item: {
        pk: `BAGEVENTS#${space}#${externalIdentifier}`,
        sk: `${event.date}#${requestId}#${event.type}`,
        kind: 'BagEvent',
        requestId,
        ...event,
      },
    }),
  );
}
