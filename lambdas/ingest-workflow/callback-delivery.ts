import { config } from '../config.ts';
import { type IngestRecord, recordEvent, toApiIngest, updateIngest } from '../ingests/ingest-repository.ts';
import { truncateDetail } from '../ingests/ingest.ts';
import { resolvedCallbackProblem } from '../ingests/callback-url.ts';

const TIMEOUT_MS = 10_000;

/**
 * POSTs the ingest JSON to its callback URL once the ingest is final, and records the outcome on the
 * ingest (`Callback succeeded` / `Callback failed - {reason}`). A failed callback never fails the
 * ingest. Redirects are not followed: they could lead to an address the check refused.
 */
export async function deliverCallback(ingest: IngestRecord): Promise<void> {
  const callback = ingest.callback;
  if (!callback || callback.status.id !== 'pending') return;
  let failure = await resolvedCallbackProblem(callback.url, config().allowLoopbackCallbacks);
  if (!failure) {
    try {
      const response = await fetch(callback.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(toApiIngest(ingest)),
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.status < 200 || response.status > 299) failure = `the server answered ${response.status}`;
    } catch (error) {
      failure =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${TIMEOUT_MS / 1000} s`
          : (error as Error).message;
    }
  }
  const status = failure ? 'failed' : 'succeeded';
  await updateIngest(ingest.id, { set: { 'callback.status.id': status } });
  await recordEvent(
    ingest.id,
    'Callback',
    failure ? `Callback failed - ${truncateDetail(failure)}` : 'Callback succeeded',
    {
      status: ingest.status.id,
    },
  );
}
