/**
 * Stored bags for cart tests, without running an ingest: writes each file into the primary bucket at
 * its stored key and records it in the registry with putStoredFiles + registerVersion, which is what
 * the ingest workflow's Register step does. Runs in the test process, whose environment the local
 * stack has pointed at its own S3 and DynamoDB.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { s3 } from '../../lambdas/aws-clients.ts';
import { putStoredFiles, registerVersion, type StoredFileRecord } from '../../lambdas/bags/bag-registry.ts';
import { config } from '../../lambdas/config.ts';
import { mapConcurrently } from '../../lambdas/map-concurrently.ts';
import { storageManifestKey, storedFileKey } from '../../lambdas/storage/storage-layout.ts';

type Algorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface BagFile {
  /** Path inside the bag, e.g. `data/page-001.tif`. */
  path: string;
  content: Buffer | string | (() => Buffer);
}

export interface StoredBagOptions {
  space?: string;
  externalIdentifier?: string;
  version?: string;
  files: BagFile[];
  /** Digests the "storage manifest" records (default sha256 only, as most bags have). */
  algorithms?: Algorithm[];
  /** Leaves objects out of S3 while registering them (a file lost from storage). */
  missing?: string[];
}

export interface StoredFile extends StoredFileRecord {
  /** The stored bytes, for comparisons (absent for generated content). */
  content?: Buffer;
}

const bytesOf = (content: BagFile['content']) =>
  typeof content === 'function' ? content() : Buffer.from(content);

export async function storeBag(options: StoredBagOptions): Promise<StoredFile[]> {
  const space = options.space ?? 'digitised';
  const externalIdentifier = options.externalIdentifier ?? `b${randomUUID().slice(0, 8)}`;
  const version = options.version ?? 'v1';
  const algorithms = options.algorithms ?? ['sha256'];
  const keepContent = options.files.length <= 100;

  const stored = await mapConcurrently(options.files, 8, async (file) => {
    const body = bytesOf(file.content);
    const key = storedFileKey(space, externalIdentifier, version, file.path);
    if (!options.missing?.includes(file.path)) {
      await s3().send(new PutObjectCommand({ Bucket: config().primaryBucket, Key: key, Body: body }));
    }
    const record: StoredFile = {
      id: key,
      space,
      externalIdentifier,
      version,
      path: file.path,
      size: body.length,
      checksums: Object.fromEntries(algorithms.map((a) => [a, createHash(a).update(body).digest('hex')])),
    };
    if (keepContent || typeof file.content !== 'function') record.content = body;
    return record;
  });
  await putStoredFiles(stored.map(({ content: _content, ...record }) => record));
  await registerVersion({
    space,
    externalIdentifier,
    version,
    createdDate: new Date().toISOString(),
    ingestId: randomUUID(),
    manifestKey: storageManifestKey(space, externalIdentifier, version),
    manifestBytes: 0,
    size: stored.reduce((sum, file) => sum + file.size, 0),
    fileCount: stored.length,
  });
  return stored;
}
