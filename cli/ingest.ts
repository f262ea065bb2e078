/**
 * `bagvault ingest PATH --space S [--update] [--wait]`: upload the bag (a directory streamed as
 * tar.gz, or a .tar.gz as it is) through a multipart plan from `POST /uploads`, resuming an
 * interrupted upload, then `POST /ingests`; with `--wait`, follow the ingest to its end.
 */
import { resolve } from 'node:path';
import { ApiError, apiFromEnvironment, type Api } from './api-client.ts';
import { bagSource, type BagSource } from './bag-source.ts';
import { followIngest, type IngestView } from './ingest-wait.ts';
import { uploadParts, type UploadOutcome } from './multipart-upload.ts';
import type { IngestCliOptions } from './program.ts';
import { formatBytes, progressBar } from './progress.ts';
import { UploadStateFile, type MultipartPlan, type UploadState } from './upload-state.ts';
import { UsageError } from './usage-error.ts';

export async function ingest(path: string, options: IngestCliOptions): Promise<number> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(options.space)) {
    throw new UsageError(`bad --space "${options.space}": a space id is lower-case letters, digits and -`);
  }
  const api = apiFromEnvironment();
  const source = await bagSource(path);
  const externalIdentifier = options.externalIdentifier ?? (await source.externalIdentifier());
  if (!externalIdentifier) {
    throw new UsageError(
      `no External-Identifier in ${path}'s bag-info.txt: add one or pass --external-identifier`,
    );
  }
  const ingestType = options.update ? 'update' : 'create';
  const stateFile = new UploadStateFile([api.url, resolve(path), options.space, externalIdentifier]);
  const state = await resumableState(stateFile, source);
  const upload = state ? await continueUpload(api, source, stateFile, state) : undefined;
  const { plan, outcome } = upload ?? (await freshUpload(api, source, stateFile, options.space));

  const created = await api.json<IngestView>('/ingests', {
    body: {
      type: 'Ingest',
      space: { id: options.space, type: 'Space' },
      bag: { type: 'Bag', info: { type: 'BagInfo', externalIdentifier } },
      ingestType: { id: ingestType, type: 'IngestType' },
      sourceLocation: {
        type: 'Location',
        provider: { type: 'Provider', id: 'amazon-s3' },
        bucket: plan.bucket,
        path: plan.path,
      },
    },
  });
  await stateFile.remove();
  const summary = {
    ingestId: created.id,
    space: options.space,
    externalIdentifier,
    ingestType,
    upload: { bucket: plan.bucket, path: plan.path, ...outcomeSummary(outcome) },
  };
  if (!options.wait) {
    if (options.json) console.log(JSON.stringify({ ...summary, ingest: created }));
    else {
      console.error(`Ingest ${created.id} created (${ingestType} ${options.space}/${externalIdentifier}).`);
      console.log(created.id);
    }
    return 0;
  }
  console.error(
    `Ingest ${created.id} created (${ingestType} ${options.space}/${externalIdentifier}); waiting…`,
  );
  const final = await followIngest(api, created.id);
  if (options.json) console.log(JSON.stringify({ ...summary, ingest: final }));
  const version = final.bag.info.version ?? '';
  if (final.status.id === 'succeeded') {
    if (!options.json) console.log(`succeeded: ${options.space}/${externalIdentifier} ${version}`.trim());
    return 0;
  }
  const reasons = final.events.filter((event) => / failed - /.test(event.description));
  console.error(
    `Ingest ${final.id} ${final.status.id}${reasons.length > 0 ? `: ${reasons.map((event) => event.description).join('; ')}` : ''}`,
  );
  return 1;
}

function outcomeSummary(outcome: UploadOutcome | undefined) {
  if (!outcome) return { partsSent: 0, partsResumed: 0, bytesSent: 0, resumedCompleted: true };
  const { partsSent, partsResumed, bytesSent, archiveBytes } = outcome;
  return { partsSent, partsResumed, bytesSent, archiveBytes };
}

/**
 * A saved state for this same bag, unchanged since. Its part URLs may have expired: they are signed
 * again for the same upload (the upload bucket's lifecycle rule aborts an upload nobody resumes).
 */
async function resumableState(
  stateFile: UploadStateFile,
  source: BagSource,
): Promise<UploadState | undefined> {
  const state = await stateFile.read();
  if (!state) return undefined;
  if (state.fingerprint !== source.fingerprint) {
    console.error('The bag changed since the interrupted upload: starting a new upload.');
  } else {
    return state;
  }
  await stateFile.remove();
  return undefined;
}

async function continueUpload(api: Api, source: BagSource, stateFile: UploadStateFile, state: UploadState) {
  if (state.completed) {
    console.error(`The upload to ${state.plan.path} was completed earlier: creating the ingest.`);
    return { plan: state.plan, outcome: undefined };
  }
  const sent = Object.keys(state.sent).length;
  console.error(`Resuming the interrupted upload (${sent} part${sent === 1 ? '' : 's'} sent before).`);
  try {
    return { plan: state.plan, outcome: await sendAndComplete(api, source, stateFile, state) };
  } catch (error) {
    // S3 or the API refused the saved upload (aborted, unknown, expired): trying it again cannot help.
    if (
      error instanceof ApiError ||
      /^Uploading part \d+ failed: S3 answered 4/.test((error as Error).message)
    ) {
      await stateFile.remove();
      throw new Error(
        `${(error as Error).message}\nThe interrupted upload cannot be resumed; run the command again to start a new one.`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function freshUpload(api: Api, source: BagSource, stateFile: UploadStateFile, space: string) {
  const plan = await api.json<MultipartPlan>('/uploads', {
    body: { space, filename: source.filename, size: source.maxArchiveBytes, multipart: true },
  });
  const state: UploadState = { fingerprint: source.fingerprint, plan, sent: {} };
  await stateFile.write(state);
  return { plan, outcome: await sendAndComplete(api, source, stateFile, state) };
}

async function sendAndComplete(
  api: Api,
  source: BagSource,
  stateFile: UploadStateFile,
  state: UploadState,
): Promise<UploadOutcome> {
  const bar = progressBar('Uploading', source.inputBytes);
  let outcome: UploadOutcome;
  try {
    outcome = await uploadParts(
      source.open((bytes) => bar.update(bytes)),
      state,
      stateFile,
      (partNumbers) =>
        api.json('/uploads/parts', {
          body: { path: state.plan.path, uploadId: state.plan.uploadId, partNumbers },
        }),
    );
  } finally {
    bar.stop();
  }
  await api.json('/uploads/complete', {
    body: { path: state.plan.path, uploadId: state.plan.uploadId, parts: outcome.parts },
  });
  state.completed = true;
  await stateFile.write(state);
  console.error(
    `Uploaded ${formatBytes(outcome.archiveBytes)} to ${state.plan.path}` +
      (outcome.partsResumed > 0
        ? ` (${outcome.partsResumed} part(s) resumed, ${outcome.partsSent} sent)`
        : ''),
  );
  return outcome;
}
