import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { config } from '../config.ts';
import { type IngestRecord, recordEvent, toApiIngest, updateIngest } from '../ingests/ingest-repository.ts';
import { truncateDetail } from '../ingests/ingest.ts';
import { type CallbackTarget, type Resolver, resolveCallbackTarget } from '../ingests/callback-url.ts';

const TIMEOUT_MS = 10_000;

/** A `lookup` that answers every name with the one address that was checked. */
function pinnedLookup(target: CallbackTarget): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

/**
 * POSTs `body` to the target's URL over a connection to the checked address: the host name still
 * travels in the Host header and, for https, in SNI and the certificate check. Redirects are not
 * followed: they could lead to an address the check refused. Resolves to the failure, if any.
 */
function post(target: CallbackTarget, body: string, timeoutMs: number): Promise<string | undefined> {
  const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const outgoing = request(
      target.url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        lookup: pinnedLookup(target),
        signal: AbortSignal.timeout(timeoutMs),
        // Only this one request uses the connection, so a pooled socket cannot carry it elsewhere.
        agent: false,
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        resolve(status < 200 || status > 299 ? `the server answered ${status}` : undefined);
        outgoing.destroy();
      },
    );
    outgoing.on('error', (error) =>
      resolve(error.name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : error.message),
    );
    outgoing.end(body);
  });
}

/**
 * Resolves the callback host once, checks every address, and POSTs to the checked one. Resolves
 * to why the callback failed, or undefined when the server answered 2xx.
 */
export async function postCallback(
  url: string,
  body: string,
  options: { allowLoopback: boolean; resolve?: Resolver; timeoutMs?: number },
): Promise<string | undefined> {
  const resolved = await resolveCallbackTarget(url, options.allowLoopback, options.resolve);
  if ('problem' in resolved) return resolved.problem;
  return post(resolved.target, body, options.timeoutMs ?? TIMEOUT_MS);
}

/**
 * POSTs the ingest JSON to its callback URL once the ingest is final, and records the outcome on the
 * ingest (`Callback succeeded` / `Callback failed - {reason}`). A failed callback never fails the
 * ingest.
 */
export async function deliverCallback(ingest: IngestRecord): Promise<void> {
  const callback = ingest.callback;
  if (!callback || callback.status.id !== 'pending') return;
  const failure = await postCallback(callback.url, JSON.stringify(toApiIngest(ingest)), {
    allowLoopback: config().allowLoopbackCallbacks,
  });
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
