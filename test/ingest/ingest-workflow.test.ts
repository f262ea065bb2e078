import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BagFiles, buildBag, digest, withFile } from '../fixtures/bag-builder.ts';
import { bagToTarGz, buildTarGz } from '../fixtures/tar-builder.ts';
import { getIngest, ingestArchive, startIngest, uploadArchive, waitForIngest } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

function bagFor(
  externalIdentifier: string,
  payload: Record<string, string | Buffer>,
  extra: Partial<Parameters<typeof buildBag>[0]> = {},
) {
  return buildBag({ payload, info: [['External-Identifier', externalIdentifier]], ...extra });
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const { Contents } = await localS3(stack).send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
  );
  return (Contents ?? []).map((object) => object.Key as string);
}

async function objectText(bucket: string, key: string): Promise<string> {
  const { Body } = await localS3(stack).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (Body as { transformToString(): Promise<string> }).transformToString();
}

const descriptions = (ingest: { events: { description: string }[] }) =>
  ingest.events.map((event) => event.description);

/** A failed ingest leaves nothing behind: no unpacked files, no registered version. */
async function expectNothingLeft(ingestId: string, space: string, externalIdentifier: string) {
  expect(await keysUnder(stack.buckets.unpack, `${space}/${ingestId}/`)).toEqual([]);
  expect(await keysUnder(stack.buckets.unpack, `.work/${ingestId}/`)).toEqual([]);
  const versions = await stack.api(`/bags/${space}/${encodeURIComponent(externalIdentifier)}/versions`);
  expect(versions.status).toBe(404);
}

describe('ingesting a new bag', () => {
  const payload = { 'data/page-001.txt': 'first page', 'data/sub dir/page-002.txt': 'second page' };
  let ingest: Awaited<ReturnType<typeof ingestArchive>>;

  beforeAll(async () => {
    ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'b1000' },
      await bagToTarGz(bagFor('b1000', payload)),
    );
  });

  it('succeeds as v1 with every step recorded in order', () => {
    expect(ingest.status.id).toBe('succeeded');
    expect(ingest.bag.info.version).toBe('v1');
    const events = descriptions(ingest);
    const inOrder = (texts: string[]) => {
      let position = -1;
      for (const text of texts) {
        const found = events.findIndex((event, index) => index > position && event.startsWith(text));
        expect(found, `${text} after position ${position} in ${JSON.stringify(events)}`).toBeGreaterThan(
          position,
        );
        position = found;
      }
    };
    const sharedSteps = [
      'Unpacking started',
      'Unpacking succeeded - Unpacked',
      'Detecting bag root succeeded',
      'Verification (pre-replicating to archive storage) succeeded',
      'Assigning bag version succeeded - assigned bag version v1',
    ];
    const finalSteps = ['Aggregating replicas succeeded - all replicas complete', 'Register succeeded'];
    // Locations run in parallel: each location's steps are in order, and all come between the others.
    for (const location of ['primary location', 'replica']) {
      inOrder([
        ...sharedSteps,
        `Replicating to ${location} started`,
        `Replicating to ${location} succeeded`,
        `Verification (${location}) started`,
        `Verification (${location}) succeeded - verified by read-back hashing`,
        ...finalSteps,
      ]);
    }
    expect(new Set(events).size).toBe(events.length);
  });

  it('reports full progress', () => {
    expect(ingest.progress.bytesDone).toBe(ingest.progress.bytesTotal);
    expect(ingest.progress.filesDone).toBe(ingest.progress.filesTotal);
    expect(ingest.progress.bytesTotal).toBeGreaterThan(0);
  });

  it('stores every file in the primary and the replica location and empties the unpack area', async () => {
    for (const bucket of [stack.buckets.primary, stack.buckets.replica]) {
      expect(await objectText(bucket, 'digitised/b1000/v1/data/sub dir/page-002.txt')).toBe('second page');
      expect(await keysUnder(bucket, 'digitised/b1000/v1/')).toContain('digitised/b1000/v1/bagit.txt');
    }
    expect(await keysUnder(stack.buckets.unpack, `digitised/${ingest.id}/`)).toEqual([]);
  });

  it('registers a storage manifest equal to the bag manifests', async () => {
    const response = await stack.api('/bags/digitised/b1000');
    expect(response.status).toBe(200);
    const manifest = (await response.json()) as {
      version: string;
      info: Record<string, unknown>;
      manifest: {
        checksumAlgorithm: string;
        files: { name: string; path: string; size: number; checksum: string }[];
      };
      tagManifest: { files: { name: string }[] };
    };
    expect(manifest.version).toBe('v1');
    expect(manifest.info.externalIdentifier).toBe('b1000');
    expect(manifest.info.payloadOxum).toBe('21.2');
    expect(manifest.manifest.checksumAlgorithm).toBe('SHA-256');
    expect(manifest.manifest.files).toEqual(
      Object.entries(payload)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, content]) => ({
          type: 'File',
          name,
          path: `v1/${name}`,
          size: Buffer.byteLength(content),
          checksum: digest('sha256', Buffer.from(content)),
        })),
    );
    expect(manifest.tagManifest.files.map((file) => file.name)).toEqual([
      'bag-info.txt',
      'bagit.txt',
      'manifest-sha256.txt',
    ]);
  });

  it('serves a stored file through a presigned redirect with the exact bytes and no Authorization header', async () => {
    const response = await stack.api('/bags/digitised/b1000/files/data/page-001.txt?version=v1');
    expect(response.status).toBe(302);
    const location = response.headers.get('location') as string;
    const download = await fetch(location);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe('first page');
  });

  it('adds the bag to the space accounting', async () => {
    const space = (await (await stack.api('/spaces/digitised')).json()) as { used: number; bagCount: number };
    expect(space.bagCount).toBeGreaterThanOrEqual(1);
    expect(space.used).toBeGreaterThan(0);
  });

  it('refuses to create the same bag twice, registering nothing new', async () => {
    const again = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'b1000' },
      await bagToTarGz(bagFor('b1000', payload)),
    );
    expect(again.status.id).toBe('failed');
    expect(descriptions(again)).toContain(
      'Assigning bag version failed - Cannot create new bag: a bag with the supplied external identifier already exists in this space',
    );
    const versions = (await (await stack.api('/bags/digitised/b1000/versions')).json()) as {
      results: { version: string }[];
    };
    expect(versions.results.map((result) => result.version)).toEqual(['v1']);
    expect(await keysUnder(stack.buckets.unpack, `digitised/${again.id}/`)).toEqual([]);
  });
});

describe('a bag of more files than one chunk, one listing page or one delete request', () => {
  it('is stored whole, counted in full, and leaves no unpack files behind', async () => {
    const payload: Record<string, string> = {};
    for (let index = 0; index < 1100; index++)
      payload[`data/${index % 10}/file-${index}.txt`] = `content ${index}`;
    const path = 'born-digital/many-files.tar.gz';
    await uploadArchive(stack, path, await bagToTarGz(bagFor('many-files', payload)));
    const started = await startIngest(stack, {
      space: 'born-digital',
      externalIdentifier: 'many-files',
      path,
    });
    // 2,206 copies and read-backs on a shared, busy machine can take more than the default minute.
    const ingest = await waitForIngest(stack, started.id, 170_000);
    expect(descriptions(ingest).join('\n')).not.toContain('failed');
    expect(ingest.status.id).toBe('succeeded');
    expect(ingest.progress.filesDone).toBe(ingest.progress.filesTotal);
    // The bag counted once, not once per location (SPEC §5.2).
    expect(ingest.progress.filesTotal).toBe(1103);
    expect(await keysUnder(stack.buckets.unpack, `born-digital/${ingest.id}/`)).toEqual([]);
    const manifest = (await (await stack.api('/bags/born-digital/many-files')).json()) as {
      manifest: { files: unknown[] };
    };
    expect(manifest.manifest.files).toHaveLength(1100);
  }, 180_000);
});

describe('updating a bag', () => {
  it('assigns v2 and resolves fetch.txt against v1 without copying the file again', async () => {
    const first = bagFor('b2000', { 'data/big.bin': Buffer.alloc(5000, 7), 'data/note.txt': 'v1 note' });
    const v1 = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'b2000' },
      await bagToTarGz(first),
    );
    expect(v1.status.id).toBe('succeeded');

    const big = Buffer.alloc(5000, 7);
    const secondPayload = { 'data/note.txt': 'v2 note' };
    const fetchLine = `s3://${stack.buckets.primary}/digitised/b2000/v1/data/big.bin 5000 data/big.bin\n`;
    let second: BagFiles = bagFor('b2000', secondPayload, { fetch: fetchLine, oxum: false });
    const manifest = `${digest('sha256', Buffer.from('v2 note'))}  data/note.txt\n${digest('sha256', big)}  data/big.bin\n`;
    second = withFile(second, 'manifest-sha256.txt', manifest);
    const v2 = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'b2000', ingestType: 'update' },
      await bagToTarGz(second),
    );
    expect(descriptions(v2).join('\n')).not.toContain('failed');
    expect(v2.status.id).toBe('succeeded');
    expect(v2.bag.info.version).toBe('v2');
    expect(v2.progress.filesDone).toBe(v2.progress.filesTotal);
    expect(v2.progress.bytesDone).toBe(v2.progress.bytesTotal);
    const stored = (await (await stack.api('/bags/digitised/b2000?version=v2')).json()) as {
      manifest: { files: { name: string; path: string }[] };
    };
    expect(stored.manifest.files).toEqual([
      expect.objectContaining({ name: 'data/big.bin', path: 'v1/data/big.bin' }),
      expect.objectContaining({ name: 'data/note.txt', path: 'v2/data/note.txt' }),
    ]);
    expect(await keysUnder(stack.buckets.primary, 'digitised/b2000/v2/data/')).toEqual([
      'digitised/b2000/v2/data/note.txt',
    ]);
    // Downloads find the fetched file through v2's index item, which names v1's object.
    const download = await stack.api('/bags/digitised/b2000/files/data/big.bin?version=v2');
    expect(download.status).toBe(302);
    const bytes = Buffer.from(await (await fetch(download.headers.get('location') as string)).arrayBuffer());
    expect(bytes.equals(big)).toBe(true);

    // That index item is no stored object: a later fetch.txt must still point at v1's.
    const throughV2 = fetchLine.replace('/v1/', '/v2/');
    const v3 = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'b2000', ingestType: 'update' },
      await bagToTarGz(withFile(second, 'fetch.txt', throughV2)),
    );
    expect(v3.status.id).toBe('failed');
    expect(descriptions(v3).join('\n')).toContain(
      `fetch.txt entry data/big.bin: ${throughV2.split(' ')[0]} is not a stored file`,
    );
  });

  it('refuses a fetch.txt entry whose declared length does not match the earlier version', async () => {
    const first = bagFor('b2100', { 'data/a.bin': Buffer.alloc(100, 1) });
    expect(
      (
        await ingestArchive(
          stack,
          { space: 'digitised', externalIdentifier: 'b2100' },
          await bagToTarGz(first),
        )
      ).status.id,
    ).toBe('succeeded');
    let second = bagFor(
      'b2100',
      { 'data/b.txt': 'b' },
      { fetch: `s3://${stack.buckets.primary}/digitised/b2100/v1/data/a.bin 99 data/a.bin\n`, oxum: false },
    );
    second = withFile(
      second,
      'manifest-sha256.txt',
      `${digest('sha256', Buffer.from('b'))}  data/b.txt\n${digest('sha256', Buffer.alloc(100, 1))}  data/a.bin\n`,
    );
    const v2 = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'b2100', ingestType: 'update' },
      await bagToTarGz(second),
    );
    expect(v2.status.id).toBe('failed');
    expect(descriptions(v2).join('\n')).toContain('data/a.bin (size)');
  });

  it('gives six concurrent updates the versions v2 to v7, each once', async () => {
    const base = await ingestArchive(
      stack,
      { space: 'born-digital', externalIdentifier: 'c1' },
      await bagToTarGz(bagFor('c1', { 'data/x.txt': 'x' })),
    );
    expect(base.status.id).toBe('succeeded');
    const updates = await Promise.all(
      Array.from({ length: 6 }, async (_, index) =>
        ingestArchive(
          stack,
          { space: 'born-digital', externalIdentifier: 'c1', ingestType: 'update' },
          await bagToTarGz(bagFor('c1', { 'data/x.txt': `update ${index}` })),
        ),
      ),
    );
    expect(updates.map((update) => update.status.id)).toEqual(Array(6).fill('succeeded'));
    expect(updates.map((update) => update.bag.info.version).sort()).toEqual([
      'v2',
      'v3',
      'v4',
      'v5',
      'v6',
      'v7',
    ]);
    const versions = (await (await stack.api('/bags/born-digital/c1/versions')).json()) as {
      results: { version: string }[];
    };
    expect(versions.results.map((result) => result.version)).toEqual([
      'v7',
      'v6',
      'v5',
      'v4',
      'v3',
      'v2',
      'v1',
    ]);
  });

  it('refuses an update of a bag that does not exist', async () => {
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'nothing-here', ingestType: 'update' },
      await bagToTarGz(bagFor('nothing-here', { 'data/a.txt': 'a' })),
    );
    expect(ingest.status.id).toBe('failed');
    expect(descriptions(ingest)).toContain(
      'Assigning bag version failed - Cannot update bag: there is no bag with the supplied external identifier in this space',
    );
    await expectNothingLeft(ingest.id, 'digitised', 'nothing-here');
  });
});

describe('refused ingests name the reason, leave the unpack area empty and register nothing', () => {
  it('a bad checksum names the file', async () => {
    const bag = withFile(bagFor('r1', { 'data/a.txt': 'a', 'data/b.txt': 'b' }), 'data/b.txt', 'tampered');
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'r1' },
      await bagToTarGz(bag),
    );
    expect(ingest.status.id).toBe('failed');
    const failure = descriptions(ingest).find((event) =>
      event.startsWith('Verification (pre-replicating to archive storage) failed'),
    );
    expect(failure).toContain('data/b.txt (checksum)');
    await expectNothingLeft(ingest.id, 'digitised', 'r1');
  });

  it('a missing payload file is named', async () => {
    const bag = bagFor('r2', { 'data/a.txt': 'a', 'data/b.txt': 'b' });
    bag.delete('data/b.txt');
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'r2' },
      await bagToTarGz(bag),
    );
    expect(descriptions(ingest).join('\n')).toContain('data/b.txt (missing)');
    await expectNothingLeft(ingest.id, 'digitised', 'r2');
  });

  it('a wrong External-Identifier is refused with both identifiers', async () => {
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'r3' },
      await bagToTarGz(bagFor('other', { 'data/a.txt': 'a' })),
    );
    expect(descriptions(ingest)).toContain(
      'Verification (pre-replicating to archive storage) failed - External identifier in bag-info.txt does not match request: other is not r3',
    );
    await expectNothingLeft(ingest.id, 'digitised', 'r3');
  });

  it('a corrupt archive is refused at Unpacking', async () => {
    const archive = await bagToTarGz(bagFor('r4', { 'data/a.txt': 'a'.repeat(10_000) }));
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'r4' },
      archive.subarray(0, archive.length - 40),
    );
    expect(ingest.status.id).toBe('failed');
    expect(descriptions(ingest).find((event) => event.startsWith('Unpacking failed - '))).toBeDefined();
    await expectNothingLeft(ingest.id, 'digitised', 'r4');
  });

  it('a hostile archive (.. entry) is refused naming the entry, and nothing escapes the prefix', async () => {
    const archive = await buildTarGz([
      { name: 'bag/bagit.txt', content: 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n' },
      { name: 'bag/../../escape.txt', content: 'evil' },
    ]);
    const ingest = await ingestArchive(stack, { space: 'digitised', externalIdentifier: 'r5' }, archive);
    const failure = descriptions(ingest).find((event) => event.startsWith('Unpacking failed - '));
    expect(failure).toContain('escape.txt');
    expect((await keysUnder(stack.buckets.unpack, '')).filter((key) => key.includes('escape'))).toEqual([]);
    await expectNothingLeft(ingest.id, 'digitised', 'r5');
  });

  it('a symlink entry is refused', async () => {
    const archive = await buildTarGz([
      { name: 'bag/bagit.txt', content: 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n' },
      { name: 'bag/data/link', type: 'symlink', linkname: '/etc/passwd' },
    ]);
    const ingest = await ingestArchive(stack, { space: 'digitised', externalIdentifier: 'r6' }, archive);
    expect(descriptions(ingest).find((event) => event.startsWith('Unpacking failed - '))).toContain(
      'data/link',
    );
  });

  it('a missing source object is refused naming it', async () => {
    const started = await startIngest(stack, {
      space: 'digitised',
      externalIdentifier: 'r7',
      path: 'digitised/never-uploaded.tar.gz',
    });
    const ingest = await waitForIngest(stack, started.id);
    expect(ingest.status.id).toBe('failed');
    expect(descriptions(ingest)).toContain(
      `Unpacking failed - There is no archive at s3://${stack.buckets.uploads}/digitised/never-uploaded.tar.gz`,
    );
  });

  it('a bag without a sha256 or sha512 manifest is refused', async () => {
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'r8' },
      await bagToTarGz(bagFor('r8', { 'data/a.txt': 'a' }, { algorithms: ['md5'] })),
    );
    expect(descriptions(ingest).join('\n')).toContain('no sha256 or sha512 payload manifest');
  });
});

describe('callbacks', () => {
  it('POSTs the final ingest to the callback URL and records the outcome', async () => {
    const received: unknown[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push(JSON.parse(body));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as { port: number };
    try {
      const ingest = await ingestArchive(
        stack,
        { space: 'digitised', externalIdentifier: 'cb1', callbackUrl: `http://127.0.0.1:${port}/done` },
        await bagToTarGz(bagFor('cb1', { 'data/a.txt': 'a' })),
      );
      expect(ingest.callback?.status.id).toBe('succeeded');
      expect(descriptions(ingest)).toContain('Callback succeeded');
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ id: ingest.id, status: { id: 'succeeded' } });
    } finally {
      receiver.close();
    }
  });

  it('records a failed callback without failing the ingest', async () => {
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'cb2', callbackUrl: 'http://127.0.0.1:9/unreachable' },
      await bagToTarGz(bagFor('cb2', { 'data/a.txt': 'a' })),
    );
    expect(ingest.status.id).toBe('succeeded');
    expect(ingest.callback?.status.id).toBe('failed');
    // The callback's status and its event are two writes: wait for the event too.
    let events = descriptions(ingest);
    for (let i = 0; i < 50 && !events.some((event) => event.startsWith('Callback failed - ')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      events = descriptions(await getIngest(stack, ingest.id));
    }
    expect(events.some((event) => event.startsWith('Callback failed - '))).toBe(true);
  });
});

describe('cancelling', () => {
  it('is refused with 409 once the ingest has finished', async () => {
    const ingest = await ingestArchive(
      stack,
      { space: 'digitised', externalIdentifier: 'k1' },
      await bagToTarGz(bagFor('k1', { 'data/a.txt': 'a' })),
    );
    const response = await stack.api(`/ingests/${ingest.id}/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'cancel' }),
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { description: string }).description).toBe(
      'You cannot cancel an ingest that is succeeded',
    );
  });

  it('works before versioning: status cancelled, nothing registered, unpack area empty', async () => {
    // A large archive keeps the workflow in Unpacking long enough to cancel it.
    const bag = bagFor('k2', { 'data/big.bin': Buffer.alloc(64 * 1024 * 1024, 3) });
    const path = 'digitised/k2.tar.gz';
    await uploadArchive(stack, path, await bagToTarGz(bag));
    const started = await startIngest(stack, { space: 'digitised', externalIdentifier: 'k2', path });
    const response = await stack.api(`/ingests/${started.id}/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'cancel' }),
    });
    expect(response.status).toBe(202);
    const ingest = await waitForIngest(stack, started.id);
    expect(ingest.status.id).toBe('cancelled');
    expect(descriptions(ingest)).toContain('Ingest cancelled by admin');
    // The Lambda that was unpacking goes on after the stop, then cleans up after itself.
    await stack.stepFunctions.drain();
    await expectNothingLeft(started.id, 'digitised', 'k2');
  });
});
