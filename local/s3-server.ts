import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import S3rver from 's3rver';
import { type FilesystemStore, indexListings } from './s3-store-index.ts';
import { startServerThread, type ServerThread, type ThreadedServer } from './server-thread.ts';

/** s3rver's own default credentials; the local S3 accepts them (SPEC §2). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3ServerOptions {
  port: number;
  directory: string;
  buckets: string[];
}

/**
 * s3rver's copy with new metadata (how replication copies) writes no MD5 for the copy, so the copy's
 * response reads the whole copied object again to compute one, or answers the MD5 of whatever object
 * was at the key before. The bytes are the source's, and so is their MD5: it is copied first.
 */
function copyChecksums(store: FilesystemStore): void {
  const copyObject = store.copyObject.bind(store);
  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, metadata) => {
    const md5 = (bucket: string, key: string) => `${store.getResourcePath(bucket, key, 'object')}.md5`;
    if (metadata && md5(srcBucket, srcKey) !== md5(destBucket, destKey)) {
      await mkdir(dirname(md5(destBucket, destKey)), { recursive: true });
      await copyFile(md5(srcBucket, srcKey), md5(destBucket, destKey)).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
          return rm(md5(destBucket, destKey), { force: true });
        },
      );
    }
    return copyObject(srcBucket, srcKey, destBucket, destKey, metadata);
  };
}

/** A real S3 protocol server keeping objects on disk under `directory`, in this thread. */
export async function start(options: S3ServerOptions): Promise<ThreadedServer> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent: process.env.BAGVAULT_S3_LOG !== 'true',
    resetOnClose: false,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  const store = (server as unknown as { store: FilesystemStore }).store;
  copyChecksums(store);
  indexListings(store);
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    close: () => server.close(),
  };
}

/** The local S3 in its own thread (local/server-thread.ts). */
export function startS3Server(options: S3ServerOptions): Promise<ServerThread> {
  return startServerThread('S3', new URL(import.meta.url), options);
}
