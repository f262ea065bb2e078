/**
 * Verify and Register at a size where holding the bag's file list no longer fits: each step runs in
 * a process of its own with a 64 MB V8 heap on a synthetic 100,000-file bag (S3 as files on disk,
 * DynamoDB faked at the SDK level). Before the steps streamed, both ran out of heap here.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StorageManifest } from '../../lambdas/bags/storage-manifest.ts';
import { storageManifestKey } from '../../lambdas/storage/storage-layout.ts';
import { objectPath } from '../support/scale-fake-aws.ts';
import { SCALE_BUCKETS, writeSyntheticBag, type SyntheticIngest } from '../support/synthetic-bag.ts';

const FILES = 100_000;
const HEAP_MB = 64;
const STEP = join(import.meta.dirname, '..', 'support', 'scale-step.ts');

const root = await mkdtemp(join(tmpdir(), 'bagvault-memory-bound-'));
afterAll(() => rm(root, { recursive: true, force: true }));

function runStep(step: string, ingest: SyntheticIngest): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, STEP, step, root, JSON.stringify(ingest)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('memory bound', () => {
  it(`verifies and registers a ${FILES.toLocaleString('en')}-file bag within a ${HEAP_MB} MB heap`, async () => {
    const ingest: SyntheticIngest = { id: randomUUID(), space: 'digitised', externalIdentifier: 'bounded' };
    await writeSyntheticBag(root, ingest, FILES);
    for (const step of ['verify', 'register']) {
      const { code, out } = await runStep(step, ingest);
      expect(code, `${step}: ${out.slice(-2000)}`).toBe(0);
    }
    const manifestPath = objectPath(
      root,
      SCALE_BUCKETS.primary,
      storageManifestKey('digitised', 'bounded', 'v1'),
    );
    // Bigger than one part of the upload: it went up as a multipart upload.
    expect((await stat(manifestPath)).size).toBeGreaterThan(8 * 1024 * 1024);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as StorageManifest;
    expect(manifest.manifest.files).toHaveLength(FILES);
    expect(manifest.tagManifest.files.map((file) => file.name)).toEqual([
      'bag-info.txt',
      'bagit.txt',
      'manifest-sha256.txt',
      'tagmanifest-sha256.txt',
    ]);
    const names = manifest.manifest.files.map((file) => file.name);
    expect(names).toEqual([...names].sort());
  }, 180_000);
});
