/**
 * Stored bags without running an ingest: the files go into the primary bucket at their stored keys,
 * then the storage manifest, stored-file records and registered version are built and written by the
 * same code as the ingest workflow's Register step. Runs in the test process, whose environment the
 * local stack has pointed at its own S3 and DynamoDB.
 */
import { PutObjectCommand, type StorageClass } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { s3 } from '../../lambdas/aws-clients.ts';
import { getStoredFile, type StoredFileRecord } from '../../lambdas/bags/bag-registry.ts';
import type { StorageManifest } from '../../lambdas/bags/storage-manifest.ts';
import type { BagFile } from '../../lambdas/ingest-workflow/bag-files.ts';
import { recordVersion } from '../../lambdas/ingest-workflow/bag-register.ts';
import {
  buildStorageManifest,
  type ManifestSource,
  type PinnedFile,
  storageManifestSkeleton,
  storedFilesOf,
} from '../../lambdas/ingest-workflow/storage-manifest-builder.ts';
import { storageManifestText } from '../../lambdas/ingest-workflow/storage-manifest-writer.ts';
import { mapConcurrently } from '../../lambdas/map-concurrently.ts';
import { PRIMARY_LOCATION_NAME, storageLocations } from '../../lambdas/storage/locations.ts';
import { storedFileKey } from '../../lambdas/storage/storage-layout.ts';

type Algorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface StoredBagOptions {
  space?: string;
  externalIdentifier?: string;
  /** Versions are stored one call each, in order (default v1). */
  version?: string;
  /** Payload (under data/) and tag files this version holds itself. */
  files: { path: string; content: Buffer | string | (() => Buffer) }[];
  /** Files that came through fetch.txt: path in bag → the earlier version holding the bytes. */
  fetched?: Record<string, string>;
  /** Digests of the bag's manifests, recorded for each file (default sha256 only, as most bags have). */
  algorithms?: Algorithm[];
  /** Leaves objects out of S3 while registering them (a file lost from storage). */
  missing?: string[];
  /** Storage class of this version's objects in the primary bucket (default the configured one). */
  storageClass?: 'STANDARD' | 'DEEP_ARCHIVE';
  /** Extra manifest entries with no objects behind them, to make a manifest too big to inline. */
  paddingEntries?: number;
  /** Also writes this version's objects to every replica location, as Register leaves them (default primary only). */
  replicated?: boolean;
}

export interface StoredFile extends StoredFileRecord {
  /** The stored bytes, for comparisons (absent for many generated files, to bound memory). */
  content?: Buffer;
}

export interface StoredBag {
  space: string;
  externalIdentifier: string;
  version: string;
  /** The storage manifest as written. */
  manifest: StorageManifest;
  /** The files this version holds itself, in the order given. */
  files: StoredFile[];
}

const kindOf = (path: string) => (path.startsWith('data/') ? 'payload' : 'tag');
const thisVersion = (file: BagFile): PinnedFile => ({ file, versionIds: {} });

export async function storeBag(options: StoredBagOptions): Promise<StoredBag> {
  const space = options.space ?? 'digitised';
  const externalIdentifier = options.externalIdentifier ?? `b${randomUUID().slice(0, 8)}`;
  const version = options.version ?? 'v1';
  const algorithms = options.algorithms ?? ['sha256'];
  // A fixed date per version number, so listings can be compared whole.
  const createdDate = new Date(Date.UTC(2026, 0, Number(version.slice(1)))).toISOString();
  const keepContent = options.files.length <= 100;

  const locations = storageLocations().map((location) =>
    location.name === PRIMARY_LOCATION_NAME && options.storageClass
      ? { ...location, storageClass: options.storageClass }
      : location,
  );
  const written = options.replicated
    ? locations
    : locations.filter((location) => location.name === PRIMARY_LOCATION_NAME);

  const held = await mapConcurrently(options.files, 8, async ({ path, content }) => {
    const body = typeof content === 'function' ? content() : Buffer.from(content);
    if (!options.missing?.includes(path)) {
      for (const location of written) {
        await s3().send(
          new PutObjectCommand({
            Bucket: location.bucket,
            Key: storedFileKey(space, externalIdentifier, version, path),
            Body: body,
            StorageClass: location.storageClass as StorageClass,
          }),
        );
      }
    }
    const checksums = Object.fromEntries(
      algorithms.map((algorithm) => [algorithm, createHash(algorithm).update(body).digest('hex')]),
    );
    return {
      body: keepContent || typeof content !== 'function' ? body : undefined,
      pinned: thisVersion({ name: path, size: body.length, checksums, heldBy: 'this', kind: kindOf(path) }),
    };
  });
  const fetched = await Promise.all(
    Object.entries(options.fetched ?? {}).map(async ([path, holder]) => {
      const earlier = await getStoredFile(storedFileKey(space, externalIdentifier, holder, path));
      if (!earlier) throw new Error(`Fixture: ${holder} holds no ${path} to fetch`);
      return thisVersion({
        name: path,
        size: earlier.size,
        checksums: earlier.checksums,
        heldBy: { version: holder, path },
        kind: kindOf(path),
      });
    }),
  );
  const emptySha256 = createHash('sha256').digest('hex');
  const padding = Array.from({ length: options.paddingEntries ?? 0 }, (_, n) =>
    thisVersion({
      name: `data/padding/${String(n).padStart(8, '0')}.bin`,
      size: 0,
      checksums: { sha256: emptySha256 },
      heldBy: 'this',
      kind: 'payload',
    }),
  );

  const files = [...held.map(({ pinned }) => pinned), ...fetched, ...padding];
  const payload = files.filter(({ file }) => file.kind === 'payload');
  const payloadBytes = payload.reduce((sum, { file }) => sum + file.size, 0);
  const source: ManifestSource = {
    space,
    externalIdentifier,
    version,
    createdDate,
    ingestId: randomUUID(),
    info: [
      { label: 'Payload-Oxum', value: `${payloadBytes}.${payload.length}` },
      { label: 'Bagging-Date', value: createdDate.slice(0, 10) },
    ],
    manifestAlgorithms: algorithms,
    files,
    locations,
  };
  const manifest = buildStorageManifest(source);
  // Padding entries have no objects behind them, so no stored-file records either; fetched files get
  // the reference Register writes for them.
  const items = storedFilesOf(space, externalIdentifier, version, [
    ...held.map(({ pinned }) => pinned),
    ...fetched,
  ]);
  const skeleton = storageManifestSkeleton(source);
  await recordVersion(
    skeleton,
    storageManifestText(skeleton, manifest.manifest.files, manifest.tagManifest.files),
    items,
    {
      size: files.reduce((sum, { file }) => sum + file.size, 0),
      fileCount: files.length,
    },
  );
  const stored = items.slice(0, held.length).map(({ record }) => record);
  return {
    space,
    externalIdentifier,
    version,
    manifest,
    files: stored.map((record, index) => {
      const content = held[index]!.body;
      return content ? { ...record, content } : record;
    }),
  };
}
