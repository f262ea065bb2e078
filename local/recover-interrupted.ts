import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../lambdas/aws-clients.ts';
import { config } from '../lambdas/config.ts';
import { recordCartError } from '../lambdas/carts/record-cart-error.ts';
import { recordInterruption } from '../lambdas/ingest-workflow/failure.ts';
import { mapConcurrently } from '../lambdas/map-concurrently.ts';

/**
 * The local Step Functions keeps its executions in memory, so they die with the process (a crash, a
 * SIGKILL, a power cut). On start, every ingest and cart still marked as running is ended the way
 * AWS's EventBridge rule ends an execution that died outside its Catch: the same failure handler
 * cleans up what it stored and claimed, and records the reason (SPEC §2).
 */
export async function recoverInterrupted(): Promise<{
  ingests: string[];
  carts: string[];
  failed: string[];
}> {
  const ingests: string[] = [];
  const carts: { user: string; cartId: string; executionName: string }[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    // Runs once at start, on a single machine's table: a filtered scan is simple and cheap enough.
    const page = await dynamo().send(
      new ScanCommand({
        TableName: config().tableName,
        FilterExpression:
          '(kind = :ingest AND #status.#id IN (:accepted, :processing)) OR (kind = :cart AND #status IN (:waiting, :staging, :bundling))',
        ExpressionAttributeNames: { '#status': 'status', '#id': 'id' },
        ExpressionAttributeValues: {
          ':ingest': 'Ingest',
          ':accepted': 'accepted',
          ':processing': 'processing',
          ':cart': 'Cart',
          ':waiting': 'waiting',
          ':staging': 'staging',
          ':bundling': 'bundling',
        },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      if (item.kind === 'Ingest') ingests.push(item.id as string);
      else
        carts.push({
          user: item.user as string,
          cartId: item.cartId as string,
          executionName: item.executionName as string,
        });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);

  // One that cannot be ended now must not keep the service from starting: it is tried again next start.
  const failed: string[] = [];
  const attempt = (what: string, end: () => Promise<void>) =>
    end().catch((error: unknown) => {
      failed.push(what);
      console.error(`Could not end the interrupted ${what}:`, error);
    });
  await mapConcurrently(ingests, 4, (id) => attempt(`ingest ${id}`, () => recordInterruption(id)));
  await mapConcurrently(carts, 4, (cart) =>
    attempt(`cart ${cart.cartId}`, () =>
      recordCartError({
        ...cart,
        error: {
          Error: 'Interrupted',
          Cause: 'interrupted: the service restarted; the cart can be requested again',
        },
      }),
    ),
  );
  return { ingests, carts: carts.map((cart) => cart.cartId), failed };
}
