import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { redriveUnfinishedDeletions } from '../../deletion/deletion-execution.ts';
import { logger } from '../../observability.ts';

/** Started by EventBridge Scheduler (AWS) or the local stack's timer: no approved deletion stays stuck. */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .handler(async () => redriveUnfinishedDeletions());
