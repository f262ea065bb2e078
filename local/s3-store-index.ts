import { readdir, rmdir, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SortedKeys } from './sorted-keys.ts';

const OBJECT_SUFFIX = '._S3rver_object';
const S3Object = createRequire(import.meta.url)('s3rver/lib/models/object.js') as new (
  bucket: string,
  key: string,
  content: null,
  metadata: Record<string, unknown>,
) => { key: string };

interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}

/** The part of s3rver's FilesystemStore (lib/stores/filesystem.js) this module replaces or observes. */
export interface FilesystemStore {
  rootDirectory: string;
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string, resource: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
  listObjects(bucket: string, options: ListOptions): Promise<unknown>;
  putObject(object: { bucket: string; key: string }): Promise<unknown>;
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    metadata?: unknown,
  ): Promise<unknown>;
  deleteObject(bucket: string, key: string): Promise<void>;
  deleteBucket(bucket: string): Promise<void>;
  getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
  putSubresource(bucket: string, key: string | undefined, resource: { type: string }): Promise<void>;
  deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void>;
}

/**
 * One bucket's keys, read from disk once (on its first listing) and then kept current by every write
 * and delete of the store. Writes made while the first read runs are replayed onto its result.
 */
class BucketKeys {
  private keys: SortedKeys | undefined;
  private loading: Promise<SortedKeys> | undefined;
  private changes: [added: boolean, key: string][] = [];
  private readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  async ready(): Promise<SortedKeys> {
    if (this.keys) return this.keys;
    this.loading ??= keysOnDisk(this.directory).then((keys) => {
      const sorted = new SortedKeys(keys);
      for (const [added, key] of this.changes) {
        if (added) sorted.add(key);
        else sorted.delete(key);
      }
      this.changes = [];
      this.keys = sorted;
      return sorted;
    });
    return this.loading;
  }

  changed(added: boolean, key: string): void {
    if (this.keys) {
      if (added) this.keys.add(key);
      else this.keys.delete(key);
    } else if (this.loading) {
      this.changes.push([added, key]);
    }
  }
}

/** Every object key stored under a bucket's directory (s3rver keeps `{key}._S3rver_object`). */
async function keysOnDisk(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  const keys: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(OBJECT_SUFFIX)) continue;
    const path = join(entry.parentPath, entry.name).slice(directory.length + 1);
    keys.push(path.slice(0, -OBJECT_SUFFIX.length));
  }
  return keys;
}

/**
 * s3rver lists by walking the bucket's directories synchronously from the start for every page
 * (readdirSync and statSync of every file before the page), so listing or deleting a prefix of n
 * objects costs n²/1000 file system calls and blocks its event loop meanwhile. Here listings read a
 * sorted index of the bucket's keys instead: a page costs a binary search plus its own objects'
 * metadata. Deletes remove emptied directories with rmdir alone (which refuses a directory that is not
 * empty) instead of reading each parent directory in full.
 */
export function indexListings(store: FilesystemStore): void {
  const buckets = new Map<string, BucketKeys>();
  const keysOf = (bucket: string) => {
    let keys = buckets.get(bucket);
    if (!keys) {
      keys = new BucketKeys(store.getBucketPath(bucket));
      buckets.set(bucket, keys);
    }
    return keys;
  };

  const putObject = store.putObject.bind(store);
  store.putObject = async (object) => {
    const result = await putObject(object);
    keysOf(object.bucket).changed(true, object.key);
    return result;
  };
  const copyObject = store.copyObject.bind(store);
  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, metadata) => {
    const result = await copyObject(srcBucket, srcKey, destBucket, destKey, metadata);
    keysOf(destBucket).changed(true, destKey);
    return result;
  };
  const deleteBucket = store.deleteBucket.bind(store);
  store.deleteBucket = async (bucket) => {
    await deleteBucket(bucket);
    buckets.delete(bucket);
  };

  store.deleteObject = async (bucket, key) => {
    const bucketPath = store.getBucketPath(bucket);
    const object = join(bucketPath, `${key}${OBJECT_SUFFIX}`);
    const stem = join(bucketPath, key);
    await Promise.all(
      [object, `${object}.md5`, `${stem}._S3rver_metadata.json`].map((file) =>
        unlink(file).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
    // Only once the files are gone: a first read of the bucket running meanwhile may still see them.
    keysOf(bucket).changed(false, key);
    const parts = key.split('/').slice(0, -1);
    for (; parts.length > 0; parts.pop()) {
      try {
        await rmdir(join(bucketPath, ...parts));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Not empty: another object still lives there (or a write just refilled it); gone: another delete won.
        if (code === 'ENOTEMPTY' || code === 'EEXIST') return;
        if (code !== 'ENOENT') throw error;
      }
    }
  };

  const listPage = async (bucket: string, options: ListOptions) => {
    const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
    const keys = await keysOf(bucket).ready();
    const found: string[] = [];
    const commonPrefixes: string[] = [];
    let isTruncated = false;
    let start = startAfter >= prefix ? startAfter : prefix;
    let exclusive = startAfter >= prefix;
    let lastCommon: string | undefined;
    scan: for (;;) {
      for (const key of keys.from(start, exclusive)) {
        if (!key.startsWith(prefix)) break scan;
        if (lastCommon !== undefined && key.startsWith(lastCommon)) continue;
        const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
        // maxKeys counts objects only, and the next page starts after the last object (s3rver's rules).
        if (found.length === maxKeys) {
          isTruncated = true;
          break scan;
        }
        if (cut === -1) {
          found.push(key);
          continue;
        }
        // One entry for the whole common prefix, then a jump past its keys.
        lastCommon = key.slice(0, cut + delimiter.length);
        if (lastCommon > startAfter) commonPrefixes.push(lastCommon);
        start = `${lastCommon}\uffff`;
        exclusive = true;
        continue scan;
      }
      break;
    }
    const metadata = await Promise.all(
      found.map((key) =>
        store.getMetadata(bucket, key).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
          // Deleted while this page was read (or its files removed by hand): no longer listed.
          keys.delete(key);
          return undefined;
        }),
      ),
    );
    return {
      objects: found.flatMap((key, i) => {
        const meta = metadata[i];
        return meta === undefined ? [] : [new S3Object(bucket, key, null, meta)];
      }),
      commonPrefixes,
      isTruncated,
    };
  };
  // A truncated page needs its last object to continue from: read it again if all its keys were gone.
  store.listObjects = async (bucket, options) => {
    for (;;) {
      const page = await listPage(bucket, options);
      if (!page.isTruncated || page.objects.length > 0) return page;
    }
  };
}
