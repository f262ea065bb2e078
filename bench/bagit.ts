/**
 * The BagIt engine against GNU tools (issue 5, item 6). Generates a bag once under bench/.data/,
 * then times, each as a fresh process, best of BENCH_RUNS (default 3):
 *   (a) bagvault validate on the tar.gz        (b) GNU tar -xzf, then sha256sum -c
 *   (c) bare Node gunzip of the tar.gz          (d) bagvault validate on the extracted directory
 *   (e) sha256sum -c on that directory
 * BENCH_BIG=1 adds a bag holding one 2 GiB file, to show that memory does not grow with file size.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DATA = 'bench/.data';
const NODE = process.execPath;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MiB = 1 << 20;

interface Shape {
  largeFiles: number;
  largeSize: number;
  smallFiles: number;
  smallSize: number;
  /** gzip level used by the archive (GNU gzip's default is 6). */
  gzipLevel: number;
}

interface PreparedBag {
  directory: string;
  archive: string;
  payloadBytes: number;
}

interface Timing {
  seconds: number;
  maxRssMb: number | undefined;
}

export async function run(): Promise<void> {
  requireTools(['tar', 'gzip', 'sha256sum']);
  const shape = { largeFiles: 32, largeSize: 8 * MiB, smallFiles: 2000, smallSize: 4096, gzipLevel: 6 };
  const bag = prepareBag(join(DATA, 'bagit'), shape);
  const extracted = join(DATA, 'bagit', 'extracted');
  const extractedBag = join(extracted, 'bag');
  console.log(
    `bag: ${shape.largeFiles} × ${shape.largeSize / MiB} MiB + ${shape.smallFiles} × ${shape.smallSize / 1024} KiB ` +
      `random files, sha256 manifest; payload ${(bag.payloadBytes / 1e6).toFixed(0)} MB; best of ${RUNS} runs\n`,
  );

  const a = measure(() => [NODE, 'bin/bagvault.ts', 'validate', '--quiet', bag.archive]);
  const b = measure(
    () => [
      'sh',
      '-c',
      `tar -xzf ${bag.archive} -C ${extracted} && cd ${extractedBag} && sha256sum -c --quiet manifest-sha256.txt`,
    ],
    () => {
      rmSync(extracted, { recursive: true, force: true });
      mkdirSync(extracted, { recursive: true });
    },
  );
  const c = measure(() => [NODE, 'bench/gunzip.ts', bag.archive, String(MiB)]);
  const cDefault = measure(() => [NODE, 'bench/gunzip.ts', bag.archive]);
  const d = measure(() => [NODE, 'bin/bagvault.ts', 'validate', '--quiet', extractedBag]);
  const e = measure(() => ['sh', '-c', `cd ${extractedBag} && sha256sum -c --quiet manifest-sha256.txt`]);
  // For reading the ratios: the issue expects GNU gzip -d and sha256sum near 130–150 MB/s.
  const gnuGunzip = measure(() => ['sh', '-c', `gzip -dc ${bag.archive} > /dev/null`]);

  const rate = (timing: Timing) => `${(bag.payloadBytes / 1e6 / timing.seconds).toFixed(0).padStart(5)} MB/s`;
  const row = (label: string, timing: Timing) =>
    console.log(`${label.padEnd(58)} ${timing.seconds.toFixed(3).padStart(7)} s ${rate(timing)}`);
  row('(a) bagvault validate bag.tar.gz', a);
  row('(b) tar -xzf + sha256sum -c', b);
  row('(c) bare Node gunzip (1 MiB chunks, as (a) uses)', c);
  row("    bare Node gunzip (Node's default 16 KiB chunks)", cDefault);
  row('(d) bagvault validate on the extracted directory', d);
  row('(e) sha256sum -c on the extracted directory', e);
  row('    GNU gzip -d alone (context for (b))', gnuGunzip);

  console.log('');
  const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    `b/a = ${(b.seconds / a.seconds).toFixed(2)}   (goal ≥ 3: ${goal(b.seconds / a.seconds >= 3)})`,
  );
  console.log(
    `a/c = ${(a.seconds / c.seconds).toFixed(2)}   ((a) takes ${((a.seconds / c.seconds - 1) * 100).toFixed(0)}% longer ` +
      `than gunzip alone; goal ≤ 15%: ${goal(a.seconds <= c.seconds * 1.15)}); against default-chunk gunzip ` +
      `a/c = ${(a.seconds / cDefault.seconds).toFixed(2)}`,
  );
  console.log(
    `e/d = ${(e.seconds / d.seconds).toFixed(2)}   (goal ≥ 4: ${goal(e.seconds / d.seconds >= 4)})`,
  );
  console.log(
    `peak RSS of (a): ${a.maxRssMb ?? 'n/a'} MB   (goal < 300 MB: ${goal((a.maxRssMb ?? 0) < 300)})`,
  );

  if (process.env.BENCH_BIG === '1') runBig(a);
  else console.log('\n(set BENCH_BIG=1 to also validate a bag holding one 2 GiB file and compare memory)');
}

/** One 2 GiB file: peak memory must stay where the small bag's was. */
function runBig(small: Timing): void {
  const shape = { largeFiles: 1, largeSize: 2048 * MiB, smallFiles: 0, smallSize: 0, gzipLevel: 1 };
  const bag = prepareBag(join(DATA, 'bagit-big'), shape);
  const big = measure(() => [NODE, 'bin/bagvault.ts', 'validate', '--quiet', bag.archive], undefined, 1);
  const gunzip = measure(() => [NODE, 'bench/gunzip.ts', bag.archive, String(MiB)], undefined, 1);
  const rate = (timing: Timing) => (bag.payloadBytes / 1e6 / timing.seconds).toFixed(0);
  console.log(
    `\n2 GiB file: (a) ${big.seconds.toFixed(2)} s, ${rate(big)} MB/s, peak RSS ${big.maxRssMb} MB ` +
      `(small bag: ${small.maxRssMb} MB); (c) ${gunzip.seconds.toFixed(2)} s, ${rate(gunzip)} MB/s; ` +
      `a/c = ${(big.seconds / gunzip.seconds).toFixed(2)}`,
  );
}

function prepareBag(directory: string, shape: Shape): PreparedBag {
  const marker = join(directory, 'shape.json');
  const archive = join(directory, 'bag.tar.gz');
  const bagDirectory = join(directory, 'bag');
  const payloadBytes = shape.largeFiles * shape.largeSize + shape.smallFiles * shape.smallSize;
  if (existsSync(marker) && readFileSync(marker, 'utf8') === JSON.stringify(shape)) {
    return { directory: bagDirectory, archive, payloadBytes };
  }
  console.log(`generating ${directory} (once) ...`);
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(join(bagDirectory, 'data', 'large'), { recursive: true });
  mkdirSync(join(bagDirectory, 'data', 'small'), { recursive: true });
  const manifest: string[] = [];
  const addFile = (path: string, size: number) => {
    const hash = createHash('sha256');
    const chunk = Buffer.allocUnsafe(Math.min(size, 8 * MiB));
    let written = 0;
    const target = join(bagDirectory, path);
    writeFileSync(target, '');
    while (written < size) {
      const piece = chunk.subarray(0, Math.min(chunk.length, size - written));
      randomFillSync(piece);
      hash.update(piece);
      writeFileSync(target, piece, { flag: 'a' });
      written += piece.length;
    }
    manifest.push(`${hash.digest('hex')}  ${path}`);
  };
  for (let i = 0; i < shape.largeFiles; i++) addFile(`data/large/file-${i}.bin`, shape.largeSize);
  for (let i = 0; i < shape.smallFiles; i++) addFile(`data/small/file-${i}.bin`, shape.smallSize);
  const tag = (name: string, text: string) => writeFileSync(join(bagDirectory, name), text);
  tag('bagit.txt', 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  tag(
    'bag-info.txt',
    `External-Identifier: bench\nPayload-Oxum: ${payloadBytes}.${shape.largeFiles + shape.smallFiles}\n`,
  );
  tag('manifest-sha256.txt', manifest.join('\n') + '\n');
  const tagLines = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt'].map(
    (name) =>
      `${createHash('sha256')
        .update(readFileSync(join(bagDirectory, name)))
        .digest('hex')}  ${name}`,
  );
  tag('tagmanifest-sha256.txt', tagLines.join('\n') + '\n');
  const packed = spawnSync(
    'sh',
    ['-c', `tar -cf - -C ${directory} bag | gzip -${shape.gzipLevel} > ${archive}`],
    {
      stdio: 'inherit',
    },
  );
  if (packed.status !== 0) throw new Error('tar | gzip failed');
  writeFileSync(marker, JSON.stringify(shape));
  return { directory: bagDirectory, archive, payloadBytes };
}

/** Best wall-clock time of several fresh processes (a warm-up run first), and their peak RSS. */
function measure(command: () => string[], before?: () => void, runs = RUNS): Timing {
  const timings: Timing[] = [];
  for (let i = 0; i <= runs; i++) {
    before?.();
    const timing = timeProcess(command());
    if (i > 0 || runs === 1) timings.push(timing);
  }
  return {
    seconds: Math.min(...timings.map((timing) => timing.seconds)),
    maxRssMb: timings.some((timing) => timing.maxRssMb === undefined)
      ? undefined
      : Math.max(...timings.map((timing) => timing.maxRssMb as number)),
  };
}

function timeProcess([program, ...args]: string[]): Timing {
  const withTime = existsSync('/usr/bin/time');
  const rssFile = join(DATA, 'rss.txt');
  const start = performance.now();
  const result = withTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, program, ...args], { stdio: 'inherit' })
    : spawnSync(program, args, { stdio: 'inherit' });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} exited ${result.status}`);
  const maxRssMb = withTime
    ? Math.round(Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024)
    : undefined;
  return { seconds, maxRssMb };
}

function requireTools(tools: string[]): void {
  for (const tool of tools) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      throw new Error(`the benchmark needs ${tool}`);
  }
}
