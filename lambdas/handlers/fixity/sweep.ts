import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { endAbandonedRuns } from '../../fixity/abandoned-runs.ts';
import { SCHEDULE_AGENT, sweep } from '../../fixity/fixity-schedule.ts';
import { backfillSchedule } from '../../fixity/schedule-backfill.ts';
import { startFixity } from '../../fixity/start-fixity.ts';
import { logger } from '../../observability.ts';

/** Started by EventBridge Scheduler (AWS) or the local stack's timer: checks the most overdue bags. */
export const handler = middy()
  .use(injectLambdaContext(logger))
  .handler(async () => {
    const abandoned = await endAbandonedRuns();
    const backfilled = await backfillSchedule();
    const started = await sweep((bag) =>
      startFixity(bag.space, bag.externalIdentifier, undefined, SCHEDULE_AGENT),
    );
    return { abandoned: abandoned.length, backfilled, started: started.length };
  });
