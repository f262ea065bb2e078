/**
 * End-to-end ingest through the local stack (issue 3, item 9): upload a tar.gz with the S3 SDK, POST
 * the ingest, wait for it, and report MB/s, files/s and the time of each workflow step (from the
 * ingest's own event timestamps). Baseline in the same run: GNU `tar -xzf` + `sha256sum -c` of the
 * same archive (what a shell script would do to unpack and verify, without storing anything).
 * Two bags: BENCH_INGEST_MB of large random files (default 500), and BENCH_INGEST_FILES small files
 * (default 10,000).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { startTestStack } from '../test/support/local-stack.ts';
import { startIngest, uploadArchive, waitForIngest } from '../test/support/ingests.ts';

const DATA = 'bench/.data/ingest';
const MB = 1e6;

export function makeBag(
  name: string,
  files: { path: string; size: number }[],
): { archive: string; bytes: number; directory: string } {
  const directory = join(DATA, name);
  rmSync(directory, { recursive: true, force: true });
  const bagDir = join(directory, 'bag');
  mkdirSync(join(bagDir, 'data'), { recursive: true });
  const lines: string[] = [];
  let bytes = 0;
  for (const file of files) {
    const content = randomBytes(file.size);
    const target = join(bagDir, file.path);
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, content);
    lines.push(`${createHash('sha256').update(content).digest('hex')}  ${file.path}\n`);
    bytes += file.size;
  }
  writeFileSync(join(bagDir, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  writeFileSync(
    join(bagDir, 'bag-info.txt'),
    `External-Identifier: ${name}\nPayload-Oxum: ${bytes}.${files.length}\n`,
  );
  writeFileSync(join(bagDir, 'manifest-sha256.txt'), lines.join(''));
  const archive = join(directory, 'bag.tar.gz');
  const tar = spawnSync('sh', ['-c', `tar -C ${directory} -cf - bag | gzip -1 > ${archive}`]);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return { archive, bytes, directory };
}

function baselineSeconds(bag: { archive: string; directory: string }): number {
  const out = join(bag.directory, 'extracted');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const start = performance.now();
  const result = spawnSync('sh', [
    '-c',
    `tar -xzf ${bag.archive} -C ${out} && cd ${out}/bag && sha256sum -c --quiet manifest-sha256.txt`,
  ]);
  if (result.status !== 0) throw new Error(`baseline failed: ${result.stderr}`);
  rmSync(out, { recursive: true, force: true });
  return (performance.now() - start) / 1000;
}

/** Seconds between each step's "started" and its "succeeded" event. */
export function stepTimes(events: { description: string; createdDate: string }[]): [string, number][] {
  const started = new Map<string, number>();
  const times: [string, number][] = [];
  for (const event of events) {
    const match = /^(.*) (started|succeeded)/.exec(event.description);
    if (!match) continue;
    const at = Date.parse(event.createdDate);
    if (match[2] === 'started') started.set(match[1] as string, at);
    else if (started.has(match[1] as string))
      times.push([match[1] as string, (at - (started.get(match[1] as string) as number)) / 1000]);
  }
  return times;
}

/** The two bag shapes the ingest and fixity benches measure: 50 MB files, and many 2 KB files. */
export function benchBagShapes(prefix: string, largeMb: number, smallCount: number) {
  return [
    {
      name: `${prefix}large-files`,
      files: Array.from({ length: Math.max(1, Math.round(largeMb / 50)) }, (_, i) => ({
        path: `data/f${i}.bin`,
        size: 50 * MB,
      })),
    },
    {
      name: `${prefix}small-files`,
      files: Array.from({ length: smallCount }, (_, i) => ({
        path: `data/d${i % 100}/s${i}.bin`,
        size: 2048,
      })),
    },
  ];
}

export async function run(): Promise<void> {
  const largeMb = Number(process.env.BENCH_INGEST_MB ?? 500);
  const smallCount = Number(process.env.BENCH_INGEST_FILES ?? 10_000);
  const shapes = benchBagShapes('', largeMb, smallCount);
  const stack = await startTestStack();
  try {
    for (const shape of shapes) {
      const bag = makeBag(shape.name, shape.files);
      const baseline = baselineSeconds(bag);
      const path = `digitised/${shape.name}.tar.gz`;
      await uploadArchive(stack, path, readFileSync(bag.archive));
      const start = performance.now();
      const started = await startIngest(stack, { space: 'digitised', externalIdentifier: shape.name, path });
      const ingest = (await waitForIngest(stack, started.id, 3_600_000)) as unknown as {
        status: { id: string };
        events: { description: string; createdDate: string }[];
      };
      const seconds = (performance.now() - start) / 1000;
      console.log(
        `\n${shape.name}: ${shape.files.length} files, ${(bag.bytes / MB).toFixed(0)} MB payload → ${ingest.status.id}`,
      );
      console.log(
        `  ingest end to end      ${seconds.toFixed(2)} s  ${(bag.bytes / MB / seconds).toFixed(1)} MB/s  ${(shape.files.length / seconds).toFixed(0)} files/s`,
      );
      console.log(
        `  tar -xzf + sha256sum   ${baseline.toFixed(2)} s  (ingest/baseline time ratio ${(seconds / baseline).toFixed(2)})`,
      );
      for (const [step, stepSeconds] of stepTimes(ingest.events))
        console.log(`    ${step.padEnd(55)} ${stepSeconds.toFixed(2)} s`);
      rmSync(bag.directory, { recursive: true, force: true });
    }
  } finally {
    await stack.destroy();
  }
}
