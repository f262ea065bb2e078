/**
 * The local stack's stand-in for EventBridge Scheduler: timers invoking the same sweep handlers the
 * schedules invoke in AWS. `BAGVAULT_FIXITY_SWEEP_SECONDS` sets how often the fixity sweep runs
 * (default hourly; the sweep paces itself by the same setting), `BAGVAULT_DELETION_REDRIVE_SECONDS` the deletion re-drive (default a minute).
 */
import { config } from '../lambdas/config.ts';
import { handlerPath, lambdaContext, loadHandler } from './handler-modules.ts';

export const DEFAULT_REDRIVE_SECONDS = 60;

/** Runs `module` (under lambdas/handlers) every `everySeconds`, one run at a time. */
function startHandlerTimer(
  module: string,
  what: string,
  everySeconds: number,
  options: { atStart?: boolean } = {},
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = running
      .then(async () => {
        const handler = await loadHandler(handlerPath(module));
        await handler({}, lambdaContext(`bagvault-${module.replace('/', '-')}`));
      })
      .catch((error: unknown) => console.error(`${what} failed:`, error));
  };
  if (options.atStart) run();
  const timer = setInterval(run, everySeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

export function startFixitySchedule(everySeconds = config().fixitySweepSeconds): () => Promise<void> {
  return startHandlerTimer('fixity/sweep', 'Fixity sweep', everySeconds);
}

export function startDeletionRedrive(
  everySeconds = Number(process.env.BAGVAULT_DELETION_REDRIVE_SECONDS) || DEFAULT_REDRIVE_SECONDS,
): () => Promise<void> {
  // At start too: the executions of the last process died with it (they live in memory).
  return startHandlerTimer('deletion/redrive', 'Deletion re-drive', everySeconds, { atStart: true });
}
