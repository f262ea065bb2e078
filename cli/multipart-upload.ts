/**
 * Streams an archive into a multipart upload planned by `POST /uploads`: the stream is cut into the
 * plan's part size, each part is hashed and PUT to its presigned URL (two in flight), and the state
 * file records it. On a resumed upload a part whose bytes hash as recorded is not sent again. Part
 * URLs that expired (or are about to) are signed anew for the same upload (`POST /uploads/parts`),
 * so an upload of any length, or one resumed days later, goes on where it stopped.
 * Memory: at most three parts (two sending, one filling).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { SentPart, UploadState, UploadStateFile } from './upload-state.ts';

const PARTS_IN_FLIGHT = 2;
const ATTEMPTS = 3;
/** URLs expiring sooner than this are signed anew before a part is sent with them. */
export const URL_EXPIRY_MARGIN_MS = 60_000;
/** Part URLs the API signs in one answer at most (see lambdas/uploads/parts-request.ts). */
const PARTS_PER_REQUEST = 2000;

/** Signs new URLs for some parts of the plan's upload: `POST /uploads/parts`. */
export type SignParts = (
  partNumbers: number[],
) => Promise<{ parts: { partNumber: number; url: string }[]; expires: string }>;

export interface UploadOutcome {
  parts: { partNumber: number; etag: string }[];
  /** Parts PUT this run, and parts skipped because an earlier run had sent them. */
  partsSent: number;
  partsResumed: number;
  bytesSent: number;
  archiveBytes: number;
}

async function putPart(url: string, body: Buffer, partNumber: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    try {
      const response = await fetch(url, { method: 'PUT', body });
      const etag = response.headers.get('etag');
      if (response.ok && etag) return etag;
      failure = `S3 answered ${response.status}: ${(await response.text()).slice(0, 300)}`;
      // A 4xx will not get better by repeating it (expired URL, unknown upload).
      if (response.status < 500) throw new Error(`Uploading part ${partNumber} failed: ${failure}`);
    } catch (error) {
      if ((error as Error).message.startsWith('Uploading part')) throw error;
      failure = (error as Error).message;
    }
    if (attempt === ATTEMPTS)
      throw new Error(`Uploading part ${partNumber} failed ${ATTEMPTS} times: ${failure}`);
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}

/**
 * Replaces the plan's URLs of every part not sent yet by freshly signed ones, and saves them (the
 * state file then holds URLs that work for whoever resumes next).
 */
async function renewUrls(state: UploadState, stateFile: UploadStateFile, sign: SignParts): Promise<void> {
  const { plan } = state;
  const unsent = plan.parts.map((part) => part.partNumber).filter((n) => !state.sent[n]);
  let expires = plan.expires;
  for (let start = 0; start < unsent.length; start += PARTS_PER_REQUEST) {
    const signed = await sign(unsent.slice(start, start + PARTS_PER_REQUEST));
    for (const part of signed.parts) {
      const planned = plan.parts[part.partNumber - 1];
      if (planned?.partNumber === part.partNumber) planned.url = part.url;
    }
    if (start === 0 || Date.parse(signed.expires) < Date.parse(expires)) expires = signed.expires;
  }
  plan.expires = expires;
  await stateFile.write(state);
}

export async function uploadParts(
  archive: Readable,
  state: UploadState,
  stateFile: UploadStateFile,
  sign: SignParts,
): Promise<UploadOutcome> {
  const { plan } = state;
  // One renewal at a time, shared by the parts that wait for it.
  let renewing: Promise<void> | undefined;
  const freshUrls = async () => {
    if (Date.parse(plan.expires) - URL_EXPIRY_MARGIN_MS > Date.now()) return;
    renewing ??= renewUrls(state, stateFile, sign).finally(() => {
      renewing = undefined;
    });
    await renewing;
  };
  const outcome: UploadOutcome = { parts: [], partsSent: 0, partsResumed: 0, bytesSent: 0, archiveBytes: 0 };
  const inFlight = new Set<Promise<void>>();
  let failed: Error | undefined;
  // Part records are written one at a time, in completion order, so no write loses another's part.
  let saving = Promise.resolve();

  const send = async (partNumber: number, body: Buffer) => {
    if (!plan.parts[partNumber - 1])
      throw new Error(`The archive outgrew its upload plan at part ${partNumber}`);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const previous = state.sent[partNumber];
    if (previous && previous.sha256 === sha256 && previous.size === body.length) {
      outcome.partsResumed++;
      outcome.parts.push({ partNumber, etag: previous.etag });
      return;
    }
    await freshUrls();
    const etag = await putPart(plan.parts[partNumber - 1]!.url, body, partNumber);
    outcome.partsSent++;
    outcome.bytesSent += body.length;
    outcome.parts.push({ partNumber, etag });
    const record: SentPart = { etag, sha256, size: body.length };
    state.sent[partNumber] = record;
    saving = saving.then(() => stateFile.write(state));
    await saving;
  };
  const submit = async (partNumber: number, body: Buffer) => {
    const task = send(partNumber, body).catch((error: Error) => {
      failed ??= error;
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    while (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
    if (failed) throw failed;
  };

  let partNumber = 1;
  let part = Buffer.allocUnsafe(plan.partSize);
  let filled = 0;
  try {
    for await (const chunk of archive as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(chunk.length - offset, part.length - filled);
        chunk.copy(part, filled, offset, offset + take);
        filled += take;
        offset += take;
        if (filled === part.length) {
          await submit(partNumber++, part);
          part = Buffer.allocUnsafe(plan.partSize);
          filled = 0;
        }
      }
      outcome.archiveBytes += chunk.length;
    }
    if (filled > 0 || partNumber === 1) await submit(partNumber, part.subarray(0, filled));
    await Promise.all(inFlight);
  } catch (error) {
    archive.destroy();
    await Promise.allSettled(inFlight);
    throw error;
  }
  if (failed) throw failed;
  outcome.parts.sort((a, b) => a.partNumber - b.partNumber);
  return outcome;
}
