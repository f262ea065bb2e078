import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { TestStack } from './local-stack.ts';
import { localS3 } from './s3-client.ts';

export interface IngestBody {
  space: string;
  externalIdentifier: string;
  ingestType?: 'create' | 'update';
  path: string;
  bucket?: string;
  callbackUrl?: string;
}

export function ingestRequest(body: IngestBody) {
  return {
    type: 'Ingest',
    space: { id: body.space, type: 'Space' },
    bag: { type: 'Bag', info: { type: 'BagInfo', externalIdentifier: body.externalIdentifier } },
    ingestType: { id: body.ingestType ?? 'create', type: 'IngestType' },
    sourceLocation: {
      type: 'Location',
      provider: { type: 'Provider', id: 'amazon-s3' },
      bucket: body.bucket,
      path: body.path,
    },
    ...(body.callbackUrl ? { callback: { type: 'Callback', url: body.callbackUrl } } : {}),
  };
}

export interface IngestView {
  id: string;
  status: { id: string };
  bag: { info: { externalIdentifier: string; version?: string } };
  events: { description: string }[];
  callback?: { status: { id: string } };
  progress: { bytesTotal: number; bytesDone: number; filesTotal: number; filesDone: number };
}

/** Uploads an archive to the upload bucket with the S3 SDK, as `aws s3 cp` would. */
export async function uploadArchive(stack: TestStack, key: string, body: Buffer): Promise<void> {
  await localS3(stack).send(new PutObjectCommand({ Bucket: stack.buckets.uploads, Key: key, Body: body }));
}

export async function startIngest(stack: TestStack, body: IngestBody): Promise<IngestView> {
  const response = await stack.api('/ingests', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ingestRequest({ bucket: stack.buckets.uploads, ...body })),
  });
  if (response.status !== 201)
    throw new Error(`POST /ingests answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as IngestView;
}

export async function getIngest(stack: TestStack, id: string): Promise<IngestView> {
  return (await (await stack.api(`/ingests/${id}`)).json()) as IngestView;
}

/** Polls until the ingest is final (and its callback, if any, is no longer pending). */
export async function waitForIngest(stack: TestStack, id: string, timeoutMs = 60_000): Promise<IngestView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ingest = await getIngest(stack, id);
    const final = ['succeeded', 'failed', 'cancelled'].includes(ingest.status.id);
    // The callback's status is written just before its event: wait for both.
    const callbackDone =
      !ingest.callback ||
      (ingest.callback.status.id !== 'pending' &&
        ingest.events.some((event) => event.description.startsWith('Callback ')));
    if (final && callbackDone) return ingest;
    if (Date.now() > deadline)
      throw new Error(`Ingest ${id} still ${ingest.status.id}: ${JSON.stringify(ingest.events)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function ingestArchive(stack: TestStack, body: Omit<IngestBody, 'path'>, archive: Buffer) {
  const path = `${body.space}/${body.externalIdentifier}-${crypto.randomUUID()}.tar.gz`;
  await uploadArchive(stack, path, archive);
  const ingest = await startIngest(stack, { ...body, path });
  return waitForIngest(stack, ingest.id);
}
