import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bagSource } from '../../cli/bag-source.ts';
import { UploadStateFile, type MultipartPlan } from '../../cli/upload-state.ts';
import { identifiedBag, withFile } from '../fixtures/bag-builder.ts';
import { scratchDirectory, writeBagDirectory } from '../fixtures/scratch.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { waitForIngest } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { localS3 } from '../support/s3-client.ts';
import { bagvault, cliEnvironment, spawnBagvault } from './run-bagvault.ts';

let stack: TestStack;
const scratch = await scratchDirectory('bagvault-cli-ingest-');
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
  await scratch.cleanup();
});

const env = (extra: Record<string, string> = {}) =>
  cliEnvironment(stack, { BAGVAULT_STATE_DIR: join(scratch.path, 'state'), ...extra });

/** The CLI's own state file for these arguments, in this test's state directory. */
function withStateDirectory<T>(make: () => T): T {
  const previous = process.env.BAGVAULT_STATE_DIR;
  process.env.BAGVAULT_STATE_DIR = join(scratch.path, 'state');
  try {
    return make();
  } finally {
    if (previous === undefined) delete process.env.BAGVAULT_STATE_DIR;
    else process.env.BAGVAULT_STATE_DIR = previous;
  }
}

async function storedManifest(space: string, id: string) {
  const response = await stack.api(`/bags/${space}/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as {
    version: string;
    manifest: { files: { name: string; size: number }[] };
  };
}

describe('bagvault ingest', () => {
  it('uploads a bag directory, waits, and exits 0 once the bag is stored', async () => {
    const id = `cli-${randomUUID().slice(0, 8)}`;
    const directory = await writeBagDirectory(
      identifiedBag(id, { 'data/a.txt': 'alpha', 'data/nested/b.bin': randomBytes(3000) }),
      join(scratch.path, id),
    );
    const result = await bagvault(['ingest', directory, '--space', 'digitised', '--wait'], env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`succeeded: digitised/${id} v1`);
    expect(result.stderr).toContain('Register succeeded');
    // stderr is a pipe here: events, but no progress bar drawing.
    expect(result.stderr).not.toContain('\r');
    expect(result.stderr).not.toContain('\x1b[');
    const manifest = await storedManifest('digitised', id);
    expect(manifest.version).toBe('v1');
    expect(manifest.manifest.files.map((file) => file.name)).toEqual(['data/a.txt', 'data/nested/b.bin']);
  });

  it('uploads a .tar.gz as it is, and --update stores v2', async () => {
    const id = `cli-${randomUUID().slice(0, 8)}`;
    const archive = join(scratch.path, `${id}.tar.gz`);
    await writeFile(archive, await bagToTarGz(identifiedBag(id, { 'data/a.txt': 'one' })));
    const first = await bagvault(['ingest', archive, '--space', 'digitised', '--wait', '--json'], env());
    expect(first.code, first.stderr).toBe(0);
    const uploaded = JSON.parse(first.stdout) as {
      upload: { bucket: string; path: string };
      ingest: { status: { id: string } };
    };
    expect(uploaded.ingest.status.id).toBe('succeeded');
    const object = await localS3(stack).send(
      new GetObjectCommand({ Bucket: uploaded.upload.bucket, Key: uploaded.upload.path }),
    );
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(await readFile(archive))).toBe(true);

    await writeFile(archive, await bagToTarGz(identifiedBag(id, { 'data/a.txt': 'two' })));
    const second = await bagvault(['ingest', archive, '--space', 'digitised', '--update', '--wait'], env());
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe(`succeeded: digitised/${id} v2`);
  });

  it('exits 1 naming the failure reason when the bag is invalid', async () => {
    const id = `cli-${randomUUID().slice(0, 8)}`;
    const broken = withFile(identifiedBag(id, { 'data/a.txt': 'alpha' }), 'data/a.txt', 'tampered');
    const directory = await writeBagDirectory(broken, join(scratch.path, id));
    const result = await bagvault(['ingest', directory, '--space', 'digitised', '--wait'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /Ingest [0-9a-f-]{36} failed: Verification .* failed - .*Unable to verify 1 file in the bag: data\/a.txt \(checksum\)/,
    );
    expect((await stack.api(`/bags/digitised/${id}`)).status).toBe(404);
  });

  it('exits 2 naming a missing --space, and 1 with the server reason for a space it cannot use', async () => {
    const missing = await bagvault(['ingest', scratch.path], env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--space <space>' not specified");
    const directory = await writeBagDirectory(
      identifiedBag('x1', { 'data/a': 'a' }),
      join(scratch.path, 'x1'),
    );
    const unknown = await bagvault(['ingest', directory, '--space', 'no-such-space'], env());
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/POST \/uploads answered 400 .*Invalid value at \.space/);
  });

  it('discards saved upload state the server refuses, so that the next run starts a new upload', async () => {
    const id = `cli-${randomUUID().slice(0, 8)}`;
    const directory = await writeBagDirectory(
      identifiedBag(id, { 'data/a.txt': 'alpha' }),
      join(scratch.path, id),
    );
    const response = await stack.api('/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: 'digitised', filename: `${id}.tar.gz`, size: 100_000, multipart: true }),
    });
    const plan = (await response.json()) as MultipartPlan;
    const saved = withStateDirectory(() => new UploadStateFile([stack.apiUrl, directory, 'digitised', id]));
    const source = await bagSource(directory);
    // A plan the API no longer accepts (here: a path in a space that does not exist).
    const gone = { ...plan, path: `no-such-space/${plan.path}` };
    await saved.write({ fingerprint: source.fingerprint, plan: gone, sent: {} });

    const refused = await bagvault(['ingest', directory, '--space', 'digitised'], env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/POST \/uploads\/complete answered 400 .*Invalid value at \.path/);
    expect(refused.stderr).toContain('The interrupted upload cannot be resumed');
    expect(await saved.read()).toBeUndefined();
    const again = await bagvault(['ingest', directory, '--space', 'digitised', '--wait'], env());
    expect(again.code, again.stderr).toBe(0);
  });

  it('resumes an upload whose part URLs expired: the same upload, with URLs signed anew', async () => {
    const id = `cli-${randomUUID().slice(0, 8)}`;
    const directory = await writeBagDirectory(
      identifiedBag(id, { 'data/a.txt': 'alpha' }),
      join(scratch.path, id),
    );
    // The API runs in this process and reads its settings when it uses them: a one-second plan.
    process.env.BAGVAULT_PRESIGN_EXPIRES_SECONDS = '1';
    let plan: MultipartPlan;
    try {
      const response = await stack.api('/uploads', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          space: 'digitised',
          filename: `${id}.tar.gz`,
          size: 100_000,
          multipart: true,
        }),
      });
      plan = (await response.json()) as MultipartPlan;
    } finally {
      delete process.env.BAGVAULT_PRESIGN_EXPIRES_SECONDS;
    }
    const saved = withStateDirectory(() => new UploadStateFile([stack.apiUrl, directory, 'digitised', id]));
    const source = await bagSource(directory);
    await saved.write({ fingerprint: source.fingerprint, plan, sent: {} });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await fetch(plan.parts[0]!.url, { method: 'PUT', body: 'x' })).status).toBe(403);

    const resumed = await bagvault(['ingest', directory, '--space', 'digitised', '--json'], env());
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('Resuming the interrupted upload');
    const summary = JSON.parse(resumed.stdout) as { ingestId: string; upload: { path: string } };
    expect(summary.upload.path).toBe(plan.path);
    expect((await waitForIngest(stack, summary.ingestId)).status.id).toBe('succeeded');
  });

  it('resumes an interrupted upload without sending the parts already uploaded again', async () => {
    const id = `cli-${randomUUID().slice(0, 8)}`;
    // Random bytes do not compress: 65 MiB makes two parts (64 MiB and the rest).
    const directory = await writeBagDirectory(
      identifiedBag(id, { 'data/big.bin': randomBytes(65 * 1024 * 1024) }),
      join(scratch.path, id),
    );
    const args = ['ingest', directory, '--space', 'digitised', '--json'];
    const stateDirectory = join(scratch.path, 'state');
    const interrupted = spawnBagvault(args, env());
    // Killed as soon as the state file records a part as sent.
    const recorded = await new Promise<{ size: number }>((resolve, reject) => {
      const timer = setInterval(async () => {
        const files = await readdir(stateDirectory).catch(() => []);
        for (const file of files.filter((name) => name.endsWith('.json'))) {
          const state = JSON.parse(await readFile(join(stateDirectory, file), 'utf8').catch(() => '{}')) as {
            sent?: Record<string, { size: number }>;
          };
          const sent = Object.values(state.sent ?? {});
          if (sent.length === 1) {
            clearInterval(timer);
            interrupted.kill('SIGKILL');
            resolve(sent[0]!);
          }
        }
      }, 20);
      interrupted.on('exit', () => {
        clearInterval(timer);
        reject(new Error('bagvault ingest ended before it could be interrupted'));
      });
    });

    const resumed = await bagvault(args, env());
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('Resuming the interrupted upload (1 part sent before)');
    const summary = JSON.parse(resumed.stdout) as {
      ingestId: string;
      upload: {
        bucket: string;
        path: string;
        partsSent: number;
        partsResumed: number;
        bytesSent: number;
        archiveBytes: number;
      };
    };
    // The 65 MiB ingest itself proves nothing more here: stop it rather than wait for it.
    await stack.api(`/ingests/${summary.ingestId}/action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'cancel' }),
    });
    expect(summary.upload).toMatchObject({ partsResumed: 1, partsSent: 1 });
    expect(summary.upload.bytesSent).toBe(summary.upload.archiveBytes - recorded.size);
    // The assembled object is exactly the directory's (deterministic) archive.
    const object = await localS3(stack).send(
      new GetObjectCommand({ Bucket: summary.upload.bucket, Key: summary.upload.path }),
    );
    const uploaded = createHash('sha256');
    for await (const chunk of object.Body as AsyncIterable<Buffer>) uploaded.update(chunk);
    const expected = createHash('sha256');
    for await (const chunk of (await bagSource(directory)).open(() => {})) expected.update(chunk as Buffer);
    expect(uploaded.digest('hex')).toBe(expected.digest('hex'));
    expect(await readdir(stateDirectory)).toEqual([]);
  }, 120_000);
});
