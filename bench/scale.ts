/**
 * `npm run bench -- scale` (issue 11): Verify and Register on a synthetic bag of BENCH_SCALE_FILES
 * payload files (default 1,000,000), each step in a child process of its own, with S3 as files on
 * disk and DynamoDB faked at the SDK level. Prints each step's peak RSS against the 512 MB bound.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticBag, type SyntheticIngest } from '../test/support/synthetic-bag.ts';

const FILES = Number(process.env.BENCH_SCALE_FILES ?? 1_000_000);
const BOUND_MB = 512;

interface StepResult {
  step: string;
  seconds: number;
  peakRssMB: number;
  detail: string;
}

function runStep(step: string, root: string, ingest: SyntheticIngest): Promise<StepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, '..', 'test', 'support', 'scale-step.ts'),
        step,
        root,
        JSON.stringify(ingest),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`${step} exited with ${code}: ${out}`));
      else resolve(JSON.parse(line) as StepResult);
    });
  });
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'bagvault-scale-'));
  try {
    const ingest: SyntheticIngest = { id: randomUUID(), space: 'digitised', externalIdentifier: 'scale-bag' };
    const started = performance.now();
    await writeSyntheticBag(root, ingest, FILES);
    console.log(
      `synthetic bag of ${FILES.toLocaleString('en')} payload files written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    let over = 0;
    for (const step of ['verify', 'register']) {
      const result = await runStep(step, root, ingest);
      const ok = result.peakRssMB < BOUND_MB;
      if (!ok) over++;
      console.log(
        `${step.padEnd(9)} peak RSS ${result.peakRssMB.toFixed(0).padStart(5)} MB (${(result.peakRssMB / BOUND_MB).toFixed(2)} × the ${BOUND_MB} MB bound) ${ok ? 'ok  ' : 'OVER'} ${result.seconds.toFixed(1)} s, ${result.detail}`,
      );
    }
    if (over > 0) process.exitCode = 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
