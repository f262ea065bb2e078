/**
 * The BagIt engine against its bounds and against other tools (issue 14). Generates bags once under
 * bench/.data/, then times each command as a fresh process, BENCH_RUNS times (default 5, after a
 * warm-up round), in this one process so that the ratios compare like with like on a shared machine.
 * The commands a ratio compares take turns (A B A B …) and the ratio is the median of the per-round
 * ratios: on the development VM a run's speed drifts by tens of percent within a minute (idle memory
 * is paged out, and a fresh page costs several times its copy), which "best of each, one command
 * after the other" reads as a change in the code. Printed times are medians.
 *
 *   tar.gz     bagvault validate  |  Node gunzip alone (the bound: decompression is sequential)
 *                                 |  GNU two-pass: tar -xzf, then sha256sum -c
 *   directory  bagvault validate  |  bagit-python --validate (or, when `python3 -c 'import bagit'`
 *                                 |  fails, a single-process hashlib loop standing in for it)
 *                                 |  sha256sum -c
 *
 * Data shapes: compressible text and random bytes, each as few big files; plus many small files.
 * BENCH_COMPARE=DIR also times `bagvault validate` of another checkout (e.g. a worktree of an earlier
 * commit, with node_modules linked) in the same process, for before/after figures.
 * BENCH_BIG=0 skips the bag holding one 1 GiB file that shows peak memory does not grow with size.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DATA = 'bench/.data';
const NODE = process.execPath;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MiB = 1 << 20;
const RSS_LIMIT_MB = 300;
const COMPARE = process.env.BENCH_COMPARE;
// Checkouts before the plain JavaScript entry start from bin/bagvault.ts.
const COMPARE_ENTRY = COMPARE
  ? join(COMPARE, existsSync(join(COMPARE, 'bin/bagvault.js')) ? 'bin/bagvault.js' : 'bin/bagvault.ts')
  : '';
const QUIET: ['ignore', 'ignore', 'inherit'] = ['ignore', 'ignore', 'inherit'];

type Content = 'text' | 'random';

interface Shape {
  name: string;
  content: Content;
  files: number;
  size: number;
  /** gzip level used by the archive (GNU gzip's default is 6). */
  gzipLevel: number;
}

interface PreparedBag {
  shape: Shape;
  directory: string;
  archive: string;
  payloadBytes: number;
  archiveBytes: number;
}

/** One command's runs: the median of each figure (peak RSS: the largest), and every run's times. */
interface Timing {
  seconds: number;
  /** User + system CPU seconds of the process and all its threads (less disturbed by a busy machine). */
  cpuSeconds: number | undefined;
  maxRssMb: number | undefined;
  runs: { seconds: number; cpuSeconds: number | undefined }[];
  /** Which measureInTurns call took the runs: only runs taken in turns are compared round by round. */
  turns: number;
}

const SHAPES: Shape[] = [
  { name: 'text-big', content: 'text', files: 40, size: 5 * MiB, gzipLevel: 6 },
  { name: 'random-big', content: 'random', files: 24, size: 8 * MiB, gzipLevel: 6 },
  { name: 'text-small', content: 'text', files: 4000, size: 8 * 1024, gzipLevel: 6 },
];

export async function run(): Promise<void> {
  requireTools(['tar', 'gzip', 'sha256sum', 'python3']);
  const python = pythonBaseline();
  console.log(
    `median of ${RUNS} runs each (after a warm-up round), compared commands taking turns; a ratio is the ` +
      'median of the per-round ratios',
  );
  console.log(`directory baseline: ${python.label}\n`);
  const peaks: number[] = [];
  for (const shape of SHAPES) {
    const bag = prepareBag(shape);
    const extracted = join(DATA, shape.name, 'extracted');
    const extractedBag = join(extracted, 'bag');
    const mb = bag.payloadBytes / 1e6;
    console.log(
      `--- ${shape.name}: ${shape.files} × ${formatSize(shape.size)} ${shape.content} files, sha256; payload ` +
        `${mb.toFixed(0)} MB, tar.gz ${(bag.archiveBytes / 1e6).toFixed(0)} MB (gzip -${shape.gzipLevel})`,
    );

    const validateWith = (entry: string, path: string) => () => [NODE, entry, 'validate', '--quiet', path];
    const [archive, gunzip, earlierArchive] = measureInTurns([
      validateWith('bin/bagvault.js', bag.archive),
      () => [NODE, 'bench/gunzip.js', bag.archive, String(MiB)],
      ...(COMPARE ? [validateWith(COMPARE_ENTRY, bag.archive)] : []),
    ]);
    // Also what the directory runs read: the archive extracted by GNU tar.
    const [gnu] = measureInTurns(
      [
        () => [
          'sh',
          '-c',
          `tar -xzf ${bag.archive} -C ${extracted} && cd ${extractedBag} && sha256sum -c --quiet manifest-sha256.txt`,
        ],
      ],
      () => {
        rmSync(extracted, { recursive: true, force: true });
        mkdirSync(extracted, { recursive: true });
      },
    );
    const [directory, baseline, sha256sum, earlierDirectory] = measureInTurns([
      validateWith('bin/bagvault.js', extractedBag),
      () => python.command(extractedBag),
      () => ['sh', '-c', `cd ${extractedBag} && sha256sum -c --quiet manifest-sha256.txt`],
      ...(COMPARE ? [validateWith(COMPARE_ENTRY, extractedBag)] : []),
    ]);
    const earlier =
      earlierArchive && earlierDirectory
        ? { archive: earlierArchive, directory: earlierDirectory }
        : undefined;

    // Wall-clock ratio, then the CPU-time ratio, which a machine shared with other work disturbs less.
    const ratio = (a: Timing, b: Timing) => {
      const cpu = pairedRatio(a, b, 'cpuSeconds');
      return (
        `${pairedRatio(a, b, 'seconds').toFixed(2)}` + (cpu === undefined ? '' : ` (cpu ${cpu.toFixed(2)})`)
      );
    };
    const row = (label: string, timing: Timing, note = '') =>
      console.log(
        `  ${label.padEnd(38)} ${timing.seconds.toFixed(3).padStart(7)} s ${(mb / timing.seconds).toFixed(0).padStart(5)} MB/s` +
          `  cpu ${timing.cpuSeconds?.toFixed(2) ?? 'n/a'} s  RSS ${String(timing.maxRssMb ?? 'n/a').padStart(4)} MB${note}`,
      );
    const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const bound = shape.content === 'text' ? 1.15 : 1.3;
    row('tar.gz: bagvault validate', archive);
    if (earlier)
      row(
        'tar.gz: BENCH_COMPARE validate',
        earlier.archive,
        `  (÷ gunzip ${ratio(earlier.archive, gunzip)})`,
      );
    row('tar.gz: Node gunzip alone, 1 MiB (bound)', gunzip);
    row('tar.gz: tar -xzf + sha256sum -c', gnu);
    row('dir:    bagvault validate', directory);
    if (earlier)
      row(
        'dir:    BENCH_COMPARE validate',
        earlier.directory,
        `  (baseline ÷ it ${ratio(baseline, earlier.directory)})`,
      );
    row(`dir:    ${python.short}`, baseline);
    row('dir:    sha256sum -c', sha256sum);
    console.log(
      `  tar.gz: validate / gunzip = ${ratio(archive, gunzip)} (goal ≤ ${bound}: ${goal(pairedRatio(archive, gunzip, 'seconds') <= bound)});` +
        ` GNU two-pass / validate = ${ratio(gnu, archive)}`,
    );
    console.log(
      `  dir:    ${python.short} / validate = ${ratio(baseline, directory)} (goal ≥ 2: ${goal(pairedRatio(baseline, directory, 'seconds') >= 2)});` +
        ` sha256sum / validate = ${ratio(sha256sum, directory)}\n`,
    );
    peaks.push(archive.maxRssMb ?? 0, directory.maxRssMb ?? 0);
    if (earlier)
      console.log(
        `  BENCH_COMPARE peak RSS: tar.gz ${earlier.archive.maxRssMb} MB, dir ${earlier.directory.maxRssMb} MB\n`,
      );
  }

  const tiny = prepareBag({ name: 'tiny', content: 'text', files: 20, size: 256 * 1024, gzipLevel: 6 });
  const validateTiny = (entry: string) =>
    [tiny.directory, tiny.archive].map((path) => () => [NODE, entry, 'validate', '--quiet', path]);
  const [tinyDir, tinyArchive, help, ...tinyEarlier] = measureInTurns([
    ...validateTiny('bin/bagvault.js'),
    () => [NODE, 'bin/bagvault.js', 'validate', '--help'],
    ...(COMPARE ? validateTiny(COMPARE_ENTRY) : []),
  ]);
  console.log(
    `--- start-up: bagvault validate --help ${help.seconds.toFixed(3)} s; validate of a 5 MB bag: directory ` +
      `${tinyDir.seconds.toFixed(3)} s, tar.gz ${tinyArchive.seconds.toFixed(3)} s`,
  );

  if (COMPARE) {
    console.log(
      `    BENCH_COMPARE: directory ${tinyEarlier[0]?.seconds.toFixed(3)} s, tar.gz ${tinyEarlier[1]?.seconds.toFixed(3)} s`,
    );
  }

  if (process.env.BENCH_BIG !== '0') {
    const big = prepareBag({ name: 'big', content: 'random', files: 1, size: 1024 * MiB, gzipLevel: 1 });
    const [bigArchive, bigDirectory] = measureInTurns(
      [big.archive, big.directory].map((path) => () => [
        NODE,
        'bin/bagvault.js',
        'validate',
        '--quiet',
        path,
      ]),
      undefined,
      1,
    );
    console.log(
      `--- one 1 GiB file: peak RSS tar.gz ${bigArchive.maxRssMb} MB, directory ${bigDirectory.maxRssMb} MB ` +
        `(${(big.payloadBytes / 1e6 / bigArchive.seconds).toFixed(0)} and ` +
        `${(big.payloadBytes / 1e6 / bigDirectory.seconds).toFixed(0)} MB/s)`,
    );
    peaks.push(bigArchive.maxRssMb ?? 0, bigDirectory.maxRssMb ?? 0);
  }
  const peak = Math.max(...peaks);
  console.log(
    `peak RSS of any bagvault validate: ${peak} MB (goal < ${RSS_LIMIT_MB} MB: ${peak < RSS_LIMIT_MB ? 'met' : 'NOT met'})`,
  );
}

interface PythonBaseline {
  label: string;
  short: string;
  command: (directory: string) => string[];
}

/**
 * bagit-python when it is installed. Otherwise the core of what its --validate does (read each
 * payload file in 512 KiB blocks through hashlib, one process), which is a lower bound on its time.
 */
function pythonBaseline(): PythonBaseline {
  if (spawnSync('python3', ['-c', 'import bagit']).status === 0) {
    return {
      label: 'bagit-python (python3 -m bagit --validate)',
      short: 'bagit-python --validate',
      command: (directory) => ['python3', '-m', 'bagit', '--validate', '--quiet', directory],
    };
  }
  return {
    label:
      "bagit-python is not installed (python3 -c 'import bagit' fails), so a single-process hashlib " +
      'loop over the manifest (bagit-python without its other checks) stands in for it',
    short: 'hashlib loop (for bagit-python)',
    command: (directory) => ['python3', 'bench/hashlib-validate.py', directory],
  };
}

function formatSize(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`;
}

/** Text that compresses like prose (about 3:1 with gzip -6), made from a seeded word list. */
function textSource(): (piece: Buffer) => void {
  let seed = 1;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const words: string[] = [];
  for (let i = 0; i < 4000; i++) {
    const length = 2 + (next() % 9);
    let word = '';
    for (let j = 0; j < length; j++) word += String.fromCharCode(97 + (next() % 26));
    words.push(word);
  }
  return (piece) => {
    let offset = 0;
    while (offset < piece.length) {
      const word = words[next() % words.length] + (next() % 12 === 0 ? '.\n' : ' ');
      offset += piece.write(word, offset, 'latin1');
    }
  };
}

function prepareBag(shape: Shape): PreparedBag {
  const directory = join(DATA, shape.name);
  const marker = join(directory, 'shape.json');
  const archive = join(directory, 'bag.tar.gz');
  const bagDirectory = join(directory, 'bag');
  const payloadBytes = shape.files * shape.size;
  const prepared = () => ({
    shape,
    directory: bagDirectory,
    archive,
    payloadBytes,
    archiveBytes: readFileSync(archive).length,
  });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === JSON.stringify(shape)) return prepared();
  console.log(`generating ${directory} (once) ...`);
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(join(bagDirectory, 'data'), { recursive: true });
  const fill = shape.content === 'random' ? (piece: Buffer) => void randomFillSync(piece) : textSource();
  const manifest: string[] = [];
  const chunk = Buffer.allocUnsafe(Math.min(shape.size, 8 * MiB));
  for (let i = 0; i < shape.files; i++) {
    const path = `data/${Math.floor(i / 500)}/file-${i}.${shape.content === 'text' ? 'txt' : 'bin'}`;
    mkdirSync(join(bagDirectory, path, '..'), { recursive: true });
    const hash = createHash('sha256');
    const target = join(bagDirectory, path);
    writeFileSync(target, '');
    for (let written = 0; written < shape.size;) {
      const piece = chunk.subarray(0, Math.min(chunk.length, shape.size - written));
      fill(piece);
      hash.update(piece);
      writeFileSync(target, piece, { flag: 'a' });
      written += piece.length;
    }
    manifest.push(`${hash.digest('hex')}  ${path}`);
  }
  const tag = (name: string, text: string) => writeFileSync(join(bagDirectory, name), text);
  tag('bagit.txt', 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  tag('bag-info.txt', `External-Identifier: bench\nPayload-Oxum: ${payloadBytes}.${shape.files}\n`);
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
    { stdio: 'inherit' },
  );
  if (packed.status !== 0) throw new Error('tar | gzip failed');
  writeFileSync(marker, JSON.stringify(shape));
  return prepared();
}

/**
 * Runs the commands in turns, `runs` rounds after a warm-up round (none when `runs` is 1), each a
 * fresh process (`before` runs before each): a machine whose speed drifts slows them alike.
 */
let turnsTaken = 0;

function measureInTurns(commands: (() => string[])[], before?: () => void, runs = RUNS): Timing[] {
  const turns = ++turnsTaken;
  const samples: ReturnType<typeof timeProcess>[][] = commands.map(() => []);
  for (let round = runs === 1 ? 1 : 0; round <= runs; round++) {
    commands.forEach((command, index) => {
      before?.();
      const timing = timeProcess(command());
      if (round > 0) samples[index]?.push(timing);
    });
  }
  return samples.map((runsOf) => {
    const cpu = runsOf.map((run) => run.cpuSeconds);
    return {
      seconds: median(runsOf.map((run) => run.seconds)),
      cpuSeconds: cpu.includes(undefined) ? undefined : median(cpu as number[]),
      maxRssMb: runsOf.some((run) => run.maxRssMb === undefined)
        ? undefined
        : Math.max(...runsOf.map((run) => run.maxRssMb as number)),
      runs: runsOf.map(({ seconds, cpuSeconds }) => ({ seconds, cpuSeconds })),
      turns,
    };
  });
}

/**
 * The median of a's figure over b's in the same round when they took turns; otherwise (e.g. GNU's
 * two passes, which rewrite the directory the others read) the ratio of their medians.
 */
function pairedRatio(a: Timing, b: Timing, figure: 'seconds'): number;
function pairedRatio(a: Timing, b: Timing, figure: 'cpuSeconds'): number | undefined;
function pairedRatio(a: Timing, b: Timing, figure: 'seconds' | 'cpuSeconds'): number | undefined {
  if (a.turns !== b.turns) {
    const top = a[figure];
    const bottom = b[figure];
    return top === undefined || bottom === undefined ? undefined : top / bottom;
  }
  const ratios: number[] = [];
  for (const [index, run] of a.runs.entries()) {
    const top = run[figure];
    const bottom = b.runs[index]?.[figure];
    if (top === undefined || bottom === undefined) return undefined;
    ratios.push(top / bottom);
  }
  return median(ratios);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function timeProcess([program, ...args]: string[]): Omit<Timing, 'runs' | 'turns'> {
  const withTime = existsSync('/usr/bin/time');
  const rssFile = join(DATA, 'rss.txt');
  const start = performance.now();
  const result = withTime
    ? spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, program, ...args], { stdio: QUIET })
    : spawnSync(program, args, { stdio: QUIET });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} exited ${result.status}`);
  const [rss, user, system] = withTime
    ? (readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) as string).split(' ').map(Number)
    : [];
  return {
    seconds,
    cpuSeconds: withTime ? user + system : undefined,
    maxRssMb: withTime ? Math.round(rss / 1024) : undefined,
  };
}

function requireTools(tools: string[]): void {
  for (const tool of tools) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      throw new Error(`the benchmark needs ${tool}`);
  }
}
