import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';

/** s3rver's own default credentials; the local S3 accepts them (SPEC §2). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalS3 {
  endpoint: string;
  close(): Promise<void>;
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
    silent: true,
    resetOnClose: false,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    close: () => server.close(),
  };
}
