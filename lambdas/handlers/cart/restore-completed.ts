import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type RestoreCompletedEvent, restoredObjects } from '../../carts/restore-event.ts';
import { restoreCompleted } from '../../carts/restore-waiters.ts';
import { logger } from '../../observability.ts';

/** Target of the EventBridge rule on s3:ObjectRestore:Completed of the storage buckets. */
export const handler = middy<RestoreCompletedEvent, { carts: number }>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    let carts = 0;
    for (const object of restoredObjects(event)) carts += await restoreCompleted(object);
    logger.info('Restore completed', { objects: restoredObjects(event), carts });
    return { carts };
  });
