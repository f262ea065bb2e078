import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';

/** s3rver's own default credentials; the local S3 accepts them (SPEC §2). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalS3 {
  endpoint: string;
  close(): Promise<void>;
}

interface ObjectStore {
  deleteObject(bucket: string, key: string): Promise<void>;
}

/**
 * s3rver deletes the objects of one DeleteObjects request all at once and then removes the emptied
 * directories, so deletes in one directory race each other (ENOENT, ENOTEMPTY) and a 1000-key request
 * fails with InternalError where S3 succeeds. Deletes run one after another here; a directory that
 * another delete already removed, or that a new object already refilled, is fine.
 */
function serialiseDeletes(server: S3rver): void {
  const store = (server as unknown as { store: ObjectStore }).store;
  const deleteObject = store.deleteObject.bind(store);
  let queue: Promise<void> = Promise.resolve();
  store.deleteObject = (bucket, key) => {
    const run = queue.then(() =>
      deleteObject(bucket, key).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT' && error.code !== 'ENOTEMPTY') throw error;
      }),
    );
    queue = run.catch(() => undefined);
    return run;
  };
}

/** A real S3 protocol server keeping objects on disk under `directory`. */
export async function startS3Server(options: {
  port: number;
  directory: string;
  buckets: string[];
}): Promise<LocalS3> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent: process.env.BAGVAULT_S3_LOG !== 'true',
    resetOnClose: false,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  serialiseDeletes(server);
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    close: () => server.close(),
  };
}
