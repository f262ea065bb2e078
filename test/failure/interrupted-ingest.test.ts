import { readdir } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { LOCAL_BUCKETS } from '../../local/stack.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { getIngest, ingestArchive, ingestRequest } from '../support/ingests.ts';
import { freePorts, startTestStack } from '../support/local-stack.ts';
import { spawnLocalStack } from '../support/local-stack-process.ts';
import { localS3 } from '../support/s3-client.ts';

const ADMIN_KEY = 'admin:interrupted-test-secret';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Files s3rver keeps on disk for a bucket's keys under `prefix` (the process may be dead). */
async function filesOnDisk(home: string, bucket: string, prefix: string): Promise<string[]> {
  const entries = await readdir(join(home, 's3', bucket, prefix), { recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.endsWith('._S3rver_object'));
}

describe('an ingest killed with the local stack', () => {
  it('ends failed with a reason on the next start, leaves nothing anywhere, and the bag can then be created as v1', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bagvault-killed-'));
    const ports = await freePorts();
    const payload: Record<string, Buffer> = {};
    // Big enough that replication takes a while: 96 MB in 12 files (small once gzipped).
    for (let i = 0; i < 12; i++) payload[`data/part-${i}.bin`] = Buffer.alloc(8 * 1024 * 1024, i + 1);
    const archive = await bagToTarGz(identifiedBag('killed', payload));

    const child = spawnLocalStack({ home, ports, adminKey: ADMIN_KEY, stdio: ['ignore', 'pipe', 'pipe'] });
    let ingestId: string;
    try {
      let output = '';
      child.stdout?.on('data', (chunk) => (output += chunk));
      child.stderr?.on('data', (chunk) => (output += chunk));
      for (let i = 0; i < 300 && !output.includes('Admin API key'); i++) await sleep(100);
      const api = `http://127.0.0.1:${ports.apiPort}`;
      const s3 = localS3({
        s3Endpoint: `http://127.0.0.1:${ports.s3Port}`,
        s3Credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      await s3.send(
        new PutObjectCommand({
          Bucket: LOCAL_BUCKETS.uploads,
          Key: 'digitised/killed.tar.gz',
          Body: archive,
        }),
      );
      const created = await fetch(`${api}/ingests`, {
        method: 'POST',
        headers: { authorization: `ApiKey ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          ingestRequest({
            space: 'digitised',
            externalIdentifier: 'killed',
            bucket: LOCAL_BUCKETS.uploads,
            path: 'digitised/killed.tar.gz',
          }),
        ),
      });
      expect(created.status).toBe(201);
      ingestId = ((await created.json()) as { id: string }).id;

      // Kill as soon as replication has put a first object into a storage location.
      const deadline = Date.now() + 60_000;
      let written = 0;
      while (written === 0 && Date.now() < deadline) {
        written =
          (await filesOnDisk(home, LOCAL_BUCKETS.primary, 'digitised/killed')).length +
          (await filesOnDisk(home, LOCAL_BUCKETS.replica, 'digitised/killed')).length;
        if (written === 0) await sleep(10);
      }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      expect(written).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(await filesOnDisk(home, LOCAL_BUCKETS.unpack, `digitised/${ingestId}`)).not.toEqual([]);
    const restartedAt = Date.now();
    const stack = await startTestStack({ home, adminKey: ADMIN_KEY });
    try {
      const ingest = await getIngest(stack, ingestId);
      expect(Date.now() - restartedAt).toBeLessThan(20_000);
      expect(stack.recovered).toEqual({ ingests: [ingestId], carts: [], failed: [] });
      expect(ingest.status.id).toBe('failed');
      const reason = ingest.events.map((event) => event.description).at(-1);
      expect(reason).toMatch(
        /^(Replicating to (primary location|replica)|Verification \((primary location|replica)\)) failed - interrupted: the service restarted during .+; the ingest can be retried$/,
      );

      const s3 = localS3(stack);
      const keys = async (bucket: string, prefix: string) =>
        (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? [];
      expect(await keys(stack.buckets.primary, 'digitised/killed/')).toEqual([]);
      expect(await keys(stack.buckets.replica, 'digitised/killed/')).toEqual([]);
      expect(await keys(stack.buckets.unpack, `digitised/${ingestId}/`)).toEqual([]);
      expect(await keys(stack.buckets.unpack, `.work/${ingestId}/`)).toEqual([]);

      // Versions stay contiguous: nothing is registered, so an update has nothing to build on.
      const update = await ingestArchive(
        stack,
        { space: 'digitised', externalIdentifier: 'killed', ingestType: 'update' },
        await bagToTarGz(identifiedBag('killed', { 'data/a.txt': 'a' })),
      );
      expect(update.status.id).toBe('failed');
      expect(update.events.map((event) => event.description)).toContain(
        'Assigning bag version failed - Cannot update bag: there is no bag with the supplied external identifier in this space',
      );

      const again = await ingestArchive(
        stack,
        { space: 'digitised', externalIdentifier: 'killed' },
        await bagToTarGz(identifiedBag('killed', { 'data/a.txt': 'a' })),
      );
      expect(again.status.id).toBe('succeeded');
      expect(again.bag.info.version).toBe('v1');
    } finally {
      await stack.destroy();
    }
  }, 120_000);
});
