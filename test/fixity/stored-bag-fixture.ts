import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { putStoredFiles, registerVersion, type StoredFileRecord } from '../../lambdas/bags/bag-registry.ts';
import type { ManifestFile, StorageManifest } from '../../lambdas/bags/storage-manifest.ts';
import { bagPrefix, storageManifestKey, storedFileKey } from '../../lambdas/storage/storage-layout.ts';
import type { TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

/**
 * A bag as the ingest workflow's Register step leaves it, written directly: the files in the primary
 * bucket at `{space}/{externalIdentifier}/{version}/{path}`, the storage manifest JSON, the
 * registered version and the stored-file records. The bags API can then be tested without running
 * an ingest.
 */
export interface SeededVersion {
  /** Payload and tag files this version holds itself: path in bag → content. */
  files: Record<string, string | Buffer>;
  /** Files that came through fetch.txt: path in bag → the earlier version holding the bytes. */
  fetched?: Record<string, string>;
  /** Storage class of this version's objects in the primary bucket (default STANDARD). */
  storageClass?: 'STANDARD' | 'DEEP_ARCHIVE';
  /** Extra manifest entries with no objects behind them, to make a manifest too big to inline. */
  paddingEntries?: number;
}

export interface SeededBag {
  space: string;
  externalIdentifier: string;
  /** Each version's storage manifest, as written. */
  manifests: StorageManifest[];
  /** The bytes of every file of every version, by `{version}/{path}`. */
  bytes: Map<string, Buffer>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const isTagFile = (path: string) => !path.startsWith('data/');

export async function seedStoredBag(
  stack: TestStack,
  space: string,
  externalIdentifier: string,
  versions: SeededVersion[],
): Promise<SeededBag> {
  const s3 = localS3(stack);
  const bag: SeededBag = { space, externalIdentifier, manifests: [], bytes: new Map() };
  for (const [index, seeded] of versions.entries()) {
    const version = `v${index + 1}`;
    const createdDate = new Date(Date.UTC(2026, 0, index + 1)).toISOString();
    const ingestId = crypto.randomUUID();
    const entries: ManifestFile[] = [];
    const stored: StoredFileRecord[] = [];
    for (const [path, content] of Object.entries(seeded.files)) {
      const bytes = Buffer.from(content);
      await s3.send(
        new PutObjectCommand({
          Bucket: stack.buckets.primary,
          Key: storedFileKey(space, externalIdentifier, version, path),
          Body: bytes,
          StorageClass: seeded.storageClass,
        }),
      );
      bag.bytes.set(`${version}/${path}`, bytes);
      entries.push({
        type: 'File',
        name: path,
        path: `${version}/${path}`,
        size: bytes.length,
        checksum: sha256(bytes),
      });
      stored.push({
        id: storedFileKey(space, externalIdentifier, version, path),
        space,
        externalIdentifier,
        version,
        path,
        size: bytes.length,
        checksums: { sha256: sha256(bytes) },
      });
    }
    for (const [path, holder] of Object.entries(seeded.fetched ?? {})) {
      const bytes = bag.bytes.get(`${holder}/${path}`);
      if (!bytes) throw new Error(`Fixture: ${holder} holds no ${path} to fetch`);
      bag.bytes.set(`${version}/${path}`, bytes);
      entries.push({
        type: 'File',
        name: path,
        path: `${holder}/${path}`,
        size: bytes.length,
        checksum: sha256(bytes),
      });
    }
    for (let n = 0; n < (seeded.paddingEntries ?? 0); n++) {
      const name = `data/padding/${String(n).padStart(8, '0')}.bin`;
      entries.push({
        type: 'File',
        name,
        path: `${version}/${name}`,
        size: 0,
        checksum: sha256(Buffer.alloc(0)),
      });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    const payload = entries.filter((entry) => !isTagFile(entry.name));
    const location = { provider: { id: 'amazon-s3' as const }, path: bagPrefix(space, externalIdentifier) };
    const manifest: StorageManifest = {
      type: 'Bag',
      id: `${space}/${externalIdentifier}`,
      space: { id: space },
      version,
      createdDate,
      info: {
        externalIdentifier,
        payloadOxum: `${payload.reduce((sum, entry) => sum + entry.size, 0)}.${payload.length}`,
        baggingDate: createdDate.slice(0, 10),
      },
      manifest: { type: 'BagManifest', checksumAlgorithm: 'SHA-256', files: payload },
      tagManifest: {
        type: 'BagManifest',
        checksumAlgorithm: 'SHA-256',
        files: entries.filter((entry) => isTagFile(entry.name)),
      },
      location: {
        ...location,
        bucket: stack.buckets.primary,
        storageClass: seeded.storageClass ?? 'STANDARD',
      },
      replicaLocations: [
        { ...location, bucket: stack.buckets.replica, name: 'replica', storageClass: 'STANDARD' },
      ],
      ingestId,
    };
    const json = Buffer.from(JSON.stringify(manifest));
    const manifestKey = storageManifestKey(space, externalIdentifier, version);
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.buckets.primary,
        Key: manifestKey,
        Body: json,
        ContentType: 'application/json',
      }),
    );
    await putStoredFiles(stored);
    await registerVersion({
      space,
      externalIdentifier,
      version,
      createdDate,
      ingestId,
      manifestKey,
      manifestBytes: json.length,
      size: entries.reduce((sum, entry) => sum + entry.size, 0),
      fileCount: entries.length,
    });
    bag.manifests.push(manifest);
  }
  return bag;
}
