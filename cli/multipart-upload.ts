/**
 * Streams an archive into a multipart upload planned by `POST /uploads`: the stream is cut into the
 * plan's part size, each part is hashed and PUT to its presigned URL (two in flight), and the state
 * file records it. On a resumed upload a part whose bytes hash as recorded is not sent again.
 * Memory: at most three parts (two sending, one filling).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { SentPart, UploadState, UploadStateFile } from './upload-state.ts';

const PARTS_IN_FLIGHT = 2;
const ATTEMPTS = 3;

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

export async function uploadParts(
  archive: Readable,
  state: UploadState,
  stateFile: UploadStateFile,
): Promise<UploadOutcome> {
  const { plan } = state;
  const outcome: UploadOutcome = { parts: [], partsSent: 0, partsResumed: 0, bytesSent: 0, archiveBytes: 0 };
  const inFlight = new Set<Promise<void>>();
  let failed: Error | undefined;
  // Part records are written one at a time, in completion order, so no write loses another's part.
  let saving = Promise.resolve();

  const send = async (partNumber: number, body: Buffer) => {
    const url = plan.parts[partNumber - 1]?.url;
    if (!url) throw new Error(`The archive outgrew its upload plan at part ${partNumber}`);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const previous = state.sent[partNumber];
    if (previous && previous.sha256 === sha256 && previous.size === body.length) {
      outcome.partsResumed++;
      outcome.parts.push({ partNumber, etag: previous.etag });
      return;
    }
    if (Date.parse(plan.expires) <= Date.now()) {
      throw new Error(
        `the upload plan's presigned part URLs expired at ${plan.expires}, before part ${partNumber} was sent; run the command again to start a new upload`,
      );
    }
    const etag = await putPart(url, body, partNumber);
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
