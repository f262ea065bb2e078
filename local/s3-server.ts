import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';
import { ReadBuffers } from './s3-read-buffers.ts';
import { type StoreFiles, syncObjectFiles } from './s3-store-files.ts';
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
 * s3rver reads a bucket's CORS and website configuration files for every request it answers (two
 * file reads, mostly of files that do not exist); they change only through the store, so they are
 * kept in memory until the store writes or deletes one.
 */
function cacheSubresources(store: FilesystemStore): void {
  const cache = new Map<string, Promise<unknown>>();
  const id = (bucket: string, key: string | undefined, type: string) => `${bucket}\0${key ?? ''}\0${type}`;
  const getSubresource = store.getSubresource.bind(store);
  store.getSubresource = (bucket, key, type) => {
    const at = id(bucket, key, type);
    let result = cache.get(at);
    if (!result) {
      result = getSubresource(bucket, key, type);
      cache.set(at, result);
      result.catch(() => cache.delete(at));
    }
    return result;
  };
  const putSubresource = store.putSubresource.bind(store);
  store.putSubresource = async (bucket, key, resource) => {
    cache.delete(id(bucket, key, resource.type));
    await putSubresource(bucket, key, resource);
    cache.delete(id(bucket, key, resource.type));
  };
  const deleteSubresource = store.deleteSubresource.bind(store);
  store.deleteSubresource = async (bucket, key, type) => {
    cache.delete(id(bucket, key, type));
    await deleteSubresource(bucket, key, type);
    cache.delete(id(bucket, key, type));
  };
  const deleteBucket = store.deleteBucket.bind(store);
  store.deleteBucket = async (bucket) => {
    await deleteBucket(bucket);
    cache.clear();
  };
}

/**
 * Silent, s3rver still formats a coloured log line for every request (koa-logger) and hands it to a
 * logger that discards it: a tenth of its CPU time per small request. The line is not made at all.
 */
function dropRequestLog(app: { middleware: { name: string }[] }): void {
  const index = app.middleware.findIndex((middleware) => middleware.name === 'logger');
  if (index === -1) throw new Error("s3rver's request log middleware has moved: update local/s3-server.ts");
  app.middleware.splice(index, 1);
}

/** A real S3 protocol server keeping objects on disk under `directory`, in this thread. */
export async function start(options: S3ServerOptions): Promise<ThreadedServer> {
  await mkdir(options.directory, { recursive: true });
  const silent = process.env.BAGVAULT_S3_LOG !== 'true';
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent,
    resetOnClose: false,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  const store = (server as unknown as { store: StoreFiles }).store;
  const buffers = new ReadBuffers();
  syncObjectFiles(store, buffers);
  cacheSubresources(store);
  indexListings(store);
  const app = server as unknown as { middleware: unknown[] };
  if (silent) dropRequestLog(app as { middleware: { name: string }[] });
  app.middleware.unshift(buffers.middleware);
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
