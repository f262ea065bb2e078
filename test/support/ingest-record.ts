import type { IngestStatus } from '../../lambdas/ingests/ingest.ts';
import type { IngestRecord } from '../../lambdas/ingests/ingest-repository.ts';

export interface IngestRecordOptions {
  id?: string;
  space?: string;
  externalIdentifier?: string;
  version?: string;
  status?: IngestStatus;
  currentStep?: string;
  createdDate?: string;
  bucket?: string;
}

/**
 * An ingest as the table holds it, for tests that write one without a workflow behind it (seeded
 * through the repository, or answered by a mocked DynamoDB): `status` and `currentStep` place it
 * anywhere in its life.
 */
export function ingestRecord(options: IngestRecordOptions = {}): IngestRecord {
  const date = options.createdDate ?? new Date().toISOString();
  const externalIdentifier = options.externalIdentifier ?? 'seeded';
  const space = options.space ?? 'digitised';
  return {
    id: options.id ?? crypto.randomUUID(),
    type: 'Ingest',
    space: { id: space, type: 'Space' },
    bag: {
      type: 'Bag',
      info: {
        type: 'BagInfo',
        externalIdentifier,
        ...(options.version ? { version: options.version } : {}),
      },
    },
    ingestType: { id: 'create', type: 'IngestType' },
    sourceLocation: {
      type: 'Location',
      provider: { type: 'Provider', id: 'amazon-s3' },
      bucket: options.bucket ?? 'bagvault-uploads',
      path: `${space}/${externalIdentifier}.tar.gz`,
    },
    status: { id: options.status ?? 'accepted', type: 'Status' },
    progress: { bytesTotal: 0, bytesDone: 0, filesTotal: 0, filesDone: 0 },
    events: [],
    createdDate: date,
    lastModifiedDate: date,
    ...(options.currentStep ? { currentStep: options.currentStep } : {}),
  };
}

/** The same ingest as a DynamoDB item (its keys added), for a mocked GetItem to answer with. */
export const ingestItem = (options: IngestRecordOptions = {}) => {
  const ingest = ingestRecord(options);
  return { pk: `INGEST#${ingest.id}`, sk: 'INGEST', ...ingest };
};
