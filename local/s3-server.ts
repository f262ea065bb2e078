import { mkdir } from 'node:fs/promises';
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
  indexListings((server as unknown as { store: FilesystemStore }).store);
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
