import type { Ingest, IngestStatus } from '../../lambdas/ingests/ingest.ts';
import { ingestRecord } from '../support/ingest-record.ts';
import { putNewIngest, updateIngest } from '../../lambdas/ingests/ingest-repository.ts';
import type { TestStack } from '../support/local-stack.ts';

/** A valid `POST /ingests` body; `overrides` replace top-level fields. */
export function ingestRequest(stack: TestStack, overrides: Record<string, unknown> = {}) {
  return {
    type: 'Ingest',
    space: { id: 'digitised', type: 'Space' },
    bag: { type: 'Bag', info: { type: 'BagInfo', externalIdentifier: 'b1234' } },
    ingestType: { id: 'create', type: 'IngestType' },
    sourceLocation: {
      type: 'Location',
      provider: { type: 'Provider', id: 'amazon-s3' },
      bucket: stack.buckets.uploads,
      path: 'digitised/b1234.tar.gz',
    },
    // .invalid never resolves (RFC 2606), so a workflow that reaches its Callback step sends nothing.
    callback: { type: 'Callback', url: 'https://callbacks.invalid/b1234' },
    ...overrides,
  };
}

/**
 * An ingest written straight to the table, with no workflow behind it, so tests of the cancel rule
 * are not racing a real workflow. `currentStep` and `status` place it anywhere in its life.
 */
export async function seedIngest(
  options: {
    space?: string;
    externalIdentifier?: string;
    createdDate?: string;
    status?: IngestStatus;
    currentStep?: string;
  } = {},
): Promise<Ingest> {
  const ingest = ingestRecord({
    space: options.space,
    externalIdentifier: options.externalIdentifier,
    createdDate: options.createdDate,
  });
  await putNewIngest(ingest);
  const set: Record<string, unknown> = {};
  if (options.status) set['status.id'] = options.status;
  if (options.currentStep) set.currentStep = options.currentStep;
  if (Object.keys(set).length > 0) await updateIngest(ingest.id, { set });
  return ingest;
}
