/**
 * The local stack's stand-in for EventBridge Scheduler: a timer invoking the same sweep handler the
 * schedule invokes in AWS. `BAGVAULT_FIXITY_SWEEP_SECONDS` sets how often (default hourly).
 */
import { handlerPath, lambdaContext, loadHandler } from './handler-modules.ts';

export const DEFAULT_SWEEP_SECONDS = 3600;

export function startFixitySchedule(
  everySeconds = Number(process.env.BAGVAULT_FIXITY_SWEEP_SECONDS) || DEFAULT_SWEEP_SECONDS,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(async () => {
        const handler = await loadHandler(handlerPath('fixity/sweep'));
        await handler({}, lambdaContext('bagvault-fixity-sweep'));
      })
      .catch((error: unknown) => console.error('Fixity sweep failed:', error));
  }, everySeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
