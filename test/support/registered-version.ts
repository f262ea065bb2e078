/**
 * The table item of version v1 of digitised/b1 as Register stores it, for tests that mock DynamoDB
 * (aws-sdk-client-mock) where the code reads a registered version.
 */
export function registeredVersionItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    space: 'digitised',
    externalIdentifier: 'b1',
    version: 'v1',
    createdDate: '2026-01-01T00:00:00.000Z',
    ingestId: 'ingest-1',
    manifestKey: 'digitised/b1/v1/storage-manifest.json',
    manifestBytes: 1,
    size: 1,
    fileCount: 1,
    ...overrides,
  };
}
