/**
 * End-to-end ingest through the local stack (issues 3 and 12): upload a tar.gz with the S3 SDK, POST
 * the ingest, wait for it, and report the time of each workflow step (from the ingest's own event
 * timestamps), files/s, MB/s, the peak RSS of the stack's processes, and how fast `GET /ingests/{id}`
 * answers meanwhile. Baseline in the same run: `bagvault validate` of the same archive (unpack and
 * verify without storing anything). Shapes: BENCH_INGEST_LARGE (default 1,500) files of 100 KB and
 * BENCH_INGEST_SMALL (default 20,000) files of 4 KiB (BENCH_INGEST_LARGE_RUNS=n ingests n bags of the
 * first shape one after another). CPU seconds are printed per thread (the workflows, each server
 * thread, the file-system pool, V8's platform threads) for the ingest and for each step. Goals
 * (issue 12): the first ≤ 5× validate's time, the second ≤ 90 s, peak RSS ≤ 1 GB, GET p95 < 100 ms.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { dynamo, s3 } from '../lambdas/aws-clients.ts';
import { startTestStack } from '../test/support/local-stack.ts';
import { getIngest, startIngest, uploadArchive } from '../test/support/ingests.ts';

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

/** CPU seconds used by this process's finished children (Linux: cutime + cstime, in 1/100 s). */
function childCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** CPU seconds of this process (every thread: the stack's servers, workflows and API). */
function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds of each thread of this process so far, by thread id, with the thread's name. */
function threadCpu(): Map<number, { name: string; seconds: number }> {
  const threads = new Map<number, { name: string; seconds: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      threads.set(Number(tid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      // ended meanwhile
    }
  }
  return threads;
}

/**
 * CPU seconds per kind of thread between two samples: the workflows (main thread), each server
 * thread (named by local/server-thread-entry.ts), libuv's file-system pool, V8's platform threads
 * (garbage collection, compilation: the unnamed threads there before the stack started) and other
 * worker threads (the hash pool). Threads that ended meanwhile are not counted.
 */
function cpuByThreadKind(
  before: Map<number, { name: string; seconds: number }>,
  after: Map<number, { name: string; seconds: number }>,
  platform: Set<number>,
): [string, number][] {
  const kinds = new Map<string, number>();
  for (const [tid, { name, seconds }] of after) {
    const kind =
      tid === process.pid
        ? 'workflows (main thread)'
        : name === 'libuv-worker'
          ? 'file-system pool (libuv)'
          : name !== 'node'
            ? name
            : platform.has(tid)
              ? 'V8 platform (GC, compiling)'
              : 'other workers (hash pool)';
    kinds.set(kind, (kinds.get(kind) ?? 0) + seconds - (before.get(tid)?.seconds ?? 0));
  }
  return [...kinds].sort((a, b) => b[1] - a[1]);
}

/**
 * `bagvault validate` of the archive, in its own process (the stack keeps serving meanwhile): wall
 * time and CPU time, the best of three runs, so that one run slowed by the machine's other work does
 * not stand for the baseline.
 */
async function validateSeconds(archive: string): Promise<{ wall: number; cpu: number }> {
  let best = { wall: Infinity, cpu: Infinity };
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    const cpu = childCpuSeconds();
    await promisify(execFile)('node_modules/.bin/node', ['bin/bagvault.js', 'validate', '--quiet', archive]);
    best = {
      wall: Math.min(best.wall, (performance.now() - start) / 1000),
      cpu: Math.min(best.cpu, childCpuSeconds() - cpu),
    };
  }
  return best;
}

/** Resident memory of this process and every process below it (hash pools, tasks), in bytes. */
function treeRss(): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parents)
      if (tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
  }
  let bytes = 0;
  for (const pid of tree) {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      bytes += Number(rss?.[1] ?? 0) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return bytes;
}

/**
 * Polls GET /ingests/{id} every 200 ms from a thread of its own until the ingest is final, and
 * answers how long each request took.
 */
function watchIngest(apiUrl: string, key: string, id: string): Promise<number[]> {
  const worker = new Worker(
    `const { parentPort, workerData: { url, key } } = require('node:worker_threads');
    (async () => {
      const latencies = [];
      for (;;) {
        const asked = performance.now();
        const ingest = await (await fetch(url, { headers: { authorization: 'ApiKey ' + key } })).json();
        latencies.push(performance.now() - asked);
        if (['succeeded', 'failed', 'cancelled'].includes(ingest.status.id)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      parentPort.postMessage(latencies);
    })();`,
    { eval: true, workerData: { url: `${apiUrl}/ingests/${id}`, key } },
  );
  return new Promise((resolve, reject) => {
    worker.once('message', (latencies: number[]) => {
      resolve(latencies);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** Requests the workflows send (their clients live in this process), by command. */
function countRequests(): { s3: Map<string, number>; dynamodb: Map<string, number> } {
  const counts = { s3: new Map<string, number>(), dynamodb: new Map<string, number>() };
  const tally = (counted: Map<string, number>, command: unknown) =>
    counted.set(command as string, (counted.get(command as string) ?? 0) + 1);
  const options = { step: 'initialize', name: 'benchCountRequests' } as const;
  s3().middlewareStack.add(
    (next, context) => (args) => {
      tally(counts.s3, context.commandName);
      return next(args);
    },
    options,
  );
  dynamo().middlewareStack.add(
    (next, context) => (args) => {
      tally(counts.dynamodb, context.commandName);
      return next(args);
    },
    options,
  );
  return counts;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Seconds between each step's "started" and its "succeeded" event. */
export function stepTimes(events: { description: string; createdDate: string }[]): [string, number][] {
  return stepWindows(events).map(([step, from, to]) => [step, (to - from) / 1000]);
}

/** Each step's start and end (epoch milliseconds), from its "started" and "succeeded" events. */
function stepWindows(events: { description: string; createdDate: string }[]): [string, number, number][] {
  const started = new Map<string, number>();
  const windows: [string, number, number][] = [];
  for (const event of events) {
    const match = /^(.*) (started|succeeded)/.exec(event.description);
    if (!match) continue;
    const at = Date.parse(event.createdDate);
    if (match[2] === 'started') started.set(match[1] as string, at);
    else if (started.has(match[1] as string))
      windows.push([match[1] as string, started.get(match[1] as string) as number, at]);
  }
  return windows;
}

type ThreadSample = { at: number; threads: Map<number, { name: string; seconds: number }> };

/** The sample taken closest to `at`. */
function sampleAt(samples: ThreadSample[], at: number): ThreadSample {
  return samples.reduce((best, sample) =>
    Math.abs(sample.at - at) < Math.abs(best.at - at) ? sample : best,
  );
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

/** The two bag shapes of issue 12: 1,500 × 100 KB and 20,000 × 4 KiB random files. */
function issue12Shapes() {
  const large = Number(process.env.BENCH_INGEST_LARGE ?? 1_500);
  const small = Number(process.env.BENCH_INGEST_SMALL ?? 20_000);
  return [
    {
      name: 'hundred-kb-files',
      goal: (seconds: number, validate: number) =>
        `≤ 5× validate: ${seconds <= 5 * validate ? 'met' : 'missed'}`,
      files: Array.from({ length: large }, (_, i) => ({ path: `data/d${i % 20}/f${i}.bin`, size: 100_000 })),
    },
    {
      name: 'four-kib-files',
      goal: (seconds: number) => `≤ 90 s: ${seconds <= 90 ? 'met' : 'missed'}`,
      files: Array.from({ length: small }, (_, i) => ({ path: `data/d${i % 100}/s${i}.bin`, size: 4096 })),
    },
  ]
    .filter((shape) => shape.files.length > 0)
    .flatMap((shape) =>
      // BENCH_INGEST_LARGE_RUNS=n ingests n such bags one after another in the same stack: the later
      // ones show a warmed-up stack (code optimised, as `npm start` is after its first ingests).
      shape.name !== 'hundred-kb-files'
        ? [shape]
        : Array.from({ length: Number(process.env.BENCH_INGEST_LARGE_RUNS ?? 1) }, (_, run) => ({
            ...shape,
            name: run === 0 ? shape.name : `${shape.name}-${run + 1}`,
          })),
    );
}

export async function run(): Promise<void> {
  const platformThreads = new Set(
    [...threadCpu()].filter(([, { name }]) => name === 'node').map(([tid]) => tid),
  );
  // As `npm start` runs it: the API in its own thread.
  const stack = await startTestStack({ apiThread: true });
  const requests = countRequests();
  let peakRss = treeRss();
  let samples: ThreadSample[] = [];
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, treeRss());
    samples.push({ at: Date.now(), threads: threadCpu() });
  }, 250);
  console.log(
    `load average at start: ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')} (2 cores shared)`,
  );
  try {
    for (const shape of issue12Shapes()) {
      const bag = makeBag(shape.name, shape.files);
      const { wall: validate, cpu: validateCpu } = await validateSeconds(bag.archive);
      const path = `digitised/${shape.name}.tar.gz`;
      await uploadArchive(stack, path, readFileSync(bag.archive));
      requests.s3.clear();
      requests.dynamodb.clear();
      const start = performance.now();
      const cpuAtStart = ownCpuSeconds();
      const threadsAtStart = threadCpu();
      samples = [{ at: Date.now(), threads: threadsAtStart }];
      const started = await startIngest(stack, { space: 'digitised', externalIdentifier: shape.name, path });
      // A user watching the ingest from their own client, outside the stack's threads (as curl or a
      // browser would): how long each GET /ingests/{id} takes while it runs.
      const watched = watchIngest(stack.apiUrl, stack.adminKey, started.id);
      // The same requests from the stack's own main thread, where the workflows run: its event loop's lag.
      const fromMain: number[] = [];
      let ingest: Awaited<ReturnType<typeof getIngest>>;
      for (;;) {
        const asked = performance.now();
        ingest = await getIngest(stack, started.id);
        fromMain.push(performance.now() - asked);
        if (['succeeded', 'failed', 'cancelled'].includes(ingest.status.id)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const latencies = await watched;
      const seconds = (performance.now() - start) / 1000;
      const cpu = ownCpuSeconds() - cpuAtStart;
      const perThread = cpuByThreadKind(threadsAtStart, threadCpu(), platformThreads);
      const events = (ingest as unknown as { events: { description: string; createdDate: string }[] }).events;
      console.log(
        `\n${shape.name}: ${shape.files.length} files, ${(bag.bytes / MB).toFixed(0)} MB payload → ${ingest.status.id}`,
      );
      console.log(
        `  ingest end to end      ${seconds.toFixed(2)} s  ${(bag.bytes / MB / seconds).toFixed(1)} MB/s  ${(shape.files.length / seconds).toFixed(0)} files/s  (${shape.goal(seconds, validate)})`,
      );
      console.log(
        `  bagvault validate      ${validate.toFixed(2)} s, best of 3  (ingest/validate time ratio ${(seconds / validate).toFixed(2)})`,
      );
      console.log(
        `  CPU time               ingest ${cpu.toFixed(2)} s, validate ${validateCpu.toFixed(2)} s (ratio ${(cpu / validateCpu).toFixed(2)}; less affected by the machine's load than times)`,
      );
      console.log(
        `    per thread: ${perThread.map(([kind, seconds]) => `${kind} ${seconds.toFixed(2)} s`).join(', ')}`,
      );
      samples.push({ at: Date.now(), threads: threadCpu() });
      for (const [step, from, to] of stepWindows(events)) {
        console.log(`    ${step.padEnd(55)} ${((to - from) / 1000).toFixed(2)} s`);
        if (to - from < 1000) continue;
        const during = cpuByThreadKind(
          sampleAt(samples, from).threads,
          sampleAt(samples, to).threads,
          platformThreads,
        );
        // Steps that run side by side (the locations) share these figures.
        console.log(
          `      CPU meanwhile: ${during.map(([kind, seconds]) => `${kind} ${seconds.toFixed(2)} s`).join(', ')}`,
        );
      }
      // The same request once the stack is idle again: what the machine's load alone costs.
      const idle: number[] = [];
      for (let i = 0; i < 30; i++) {
        const asked = performance.now();
        await getIngest(stack, started.id);
        idle.push(performance.now() - asked);
      }
      console.log(
        `  GET /ingests/{id} while it ran, from a client thread: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms over ${latencies.length} requests (goal p95 < 100 ms); from the workflows' thread p95 ${percentile(fromMain, 95).toFixed(0)} ms; idle afterwards p50 ${percentile(idle, 50).toFixed(0)} ms, p95 ${percentile(idle, 95).toFixed(0)} ms`,
      );
      const perFile = (counts: Map<string, number>) =>
        [...counts]
          .sort((a, b) => b[1] - a[1])
          .map(
            ([command, count]) =>
              `${command.replace(/Command$/, '')} ${(count / shape.files.length).toFixed(2)}`,
          )
          .join(', ');
      console.log(`  S3 requests per file        ${perFile(requests.s3)}`);
      console.log(`  DynamoDB requests per file  ${perFile(requests.dynamodb)}`);
      console.log(`  stack peak RSS so far  ${(peakRss / 2 ** 20).toFixed(0)} MiB (goal ≤ 1 GiB)`);
      console.log(
        `  load average now: ${loadavg()
          .map((load) => load.toFixed(2))
          .join(' ')}`,
      );
      rmSync(bag.directory, { recursive: true, force: true });
    }
  } finally {
    clearInterval(sampler);
    await stack.destroy();
  }
}
