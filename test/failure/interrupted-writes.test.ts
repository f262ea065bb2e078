import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startS3Server } from '../../local/s3-server.ts';
import { removeInterruptedWrites } from '../../local/s3-repair.ts';
import { freePort } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

describe('the local S3 after a kill in the middle of a write', () => {
  it('drops objects whose metadata was never (fully) written, so listings work and show only whole objects', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bagvault-s3-repair-'));
    const directory = join(home, 's3');
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    try {
      let server = await startS3Server({ port: await freePort(), directory, buckets: ['b'] });
      let s3 = localS3({ s3Endpoint: server.endpoint, s3Credentials: credentials });
      for (const key of ['whole.txt', 'half-metadata.txt', 'no-metadata.txt'])
        await s3.send(new PutObjectCommand({ Bucket: 'b', Key: key, Body: key }));
      await server.close();
      // What SIGKILL between s3rver's two writes leaves behind.
      await writeFile(join(directory, 'b', 'half-metadata.txt._S3rver_metadata.json'), '{"content-type":');
      await rm(join(directory, 'b', 'no-metadata.txt._S3rver_metadata.json'));

      expect((await removeInterruptedWrites(directory)).sort()).toEqual([
        'b/half-metadata.txt',
        'b/no-metadata.txt',
      ]);
      server = await startS3Server({ port: await freePort(), directory, buckets: ['b'] });
      s3 = localS3({ s3Endpoint: server.endpoint, s3Credentials: credentials });
      const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: 'b' }));
      expect(Contents?.map((object) => object.Key)).toEqual(['whole.txt']);
      await server.close();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
