/**
 * Cart bundling throughput (issue 4, item 6). Stores BENCH_CART_LARGE (default 20) × 16 MiB random
 * files and BENCH_CART_SMALL (default 1000) small ones (1–16 KiB) as a bag in a local stack started
 * as its own process (`node local/start.ts`, as `npm start` runs it), then times, best of BENCH_RUNS
 * (default 3):
 *   (a) a whole cart through the API: POST /carts/{id}, HEAD until ready (staging + bundling), all of
 *       it inside the local stack's one process, next to its S3 server;
 *   (b) the bundle writer alone, in this process, against that S3 server in the other process (as in
 *       AWS, where S3 is not on the Lambda's CPU): GetObject → md5+sha256 → tar → multipart upload;
 *   (c) GNU `tar -cf` of the same files from disk (page cache warm), the baseline.
 * Also samples this process's resident memory during (b), to show it does not follow the bundle size.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const DATA = 'bench/.data/cart';
const MiB = 1024 * 1024;
const MB = 1e6;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LARGE = Number(process.env.BENCH_CART_LARGE ?? 20);
const SMALL = Number(process.env.BENCH_CART_SMALL ?? 1000);
export const ADMIN_KEY = 'admin:bench-secret-0123456789abcdef';
const exec = promisify(execFile);

interface BenchFile {
  path: string;
  size: number;
}

function writeFiles(directory: string): BenchFile[] {
  rmSync(directory, { recursive: true, force: true });
  const files: BenchFile[] = [
    ...Array.from({ length: LARGE }, (_, i) => ({ path: `data/large/file-${i}.bin`, size: 16 * MiB })),
    ...Array.from({ length: SMALL }, (_, i) => ({
      path: `data/small/file-${i}.bin`,
      size: 1024 + ((i * 7919) % (15 * 1024)),
    })),
  ];
  for (const file of files) {
    mkdirSync(join(directory, file.path, '..'), { recursive: true });
    writeFileSync(join(directory, file.path), randomBytes(file.size));
  }
  return files;
}

export type BenchApi = (path: string, init?: RequestInit) => Promise<Response>;

/** Requests to the local stack's API as the admin, keeping any headers of `init`. */
export function adminApi(apiUrl: string): BenchApi {
  return (path, init = {}) =>
    fetch(`${apiUrl}${path}`, {
      ...init,
      headers: { authorization: `ApiKey ${ADMIN_KEY}`, ...(init.headers as Record<string, string>) },
    });
}

/**
 * POST /carts/{cartId} with `init`, then HEAD every `pollMs` until ready: when HEAD first showed each
 * status (and when the 201 came), in seconds from the POST.
 */
export async function cartUntilReady(
  api: BenchApi,
  cartId: string,
  init: RequestInit,
  pollMs: number,
): Promise<Record<string, number>> {
  const start = performance.now();
  const seen: Record<string, number> = {};
  const created = await api(`/carts/${cartId}`, { ...init, method: 'POST' });
  if (created.status !== 201) throw new Error(`POST /carts: ${created.status} ${await created.text()}`);
  seen['201 Created'] = (performance.now() - start) / 1000;
  for (;;) {
    const head = await api(`/carts/${cartId}`, { method: 'HEAD' });
    const status = head.headers.get('x-pacifica-status') as string;
    seen[status] ??= (performance.now() - start) / 1000;
    if (status === 'ready') return seen;
    if (status === 'error') throw new Error(`cart failed: ${head.headers.get('x-pacifica-message')}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function best(runs: number, once: () => Promise<void>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await once();
    fastest = Math.min(fastest, (performance.now() - start) / 1000);
  }
  return fastest;
}

/** `node local/start.ts` on free ports in a temporary home; resolves once the API answers. */
export async function startStackProcess() {
  const { freePorts } = await import('../test/support/local-stack.ts');
  const { spawnLocalStack } = await import('../test/support/local-stack-process.ts');
  const ports = await freePorts();
  const home = mkdtempSync(join(tmpdir(), 'bagvault-bench-cart-'));
  const child: ChildProcess = spawnLocalStack({
    home,
    ports,
    adminKey: ADMIN_KEY,
    env: { POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const apiUrl = `http://127.0.0.1:${ports.apiPort}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error('The local stack exited while starting');
    try {
      if ((await fetch(`${apiUrl}/healthcheck`)).ok) break;
    } catch {
      // not listening yet
    }
    if (attempt > 600) throw new Error('The local stack did not start within a minute');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    apiUrl,
    ports,
    pid: child.pid as number,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Points this process's handlers' clients at the stack process, as local/stack.ts does for its own. */
export async function useStack(ports: { s3Port: number; dynamoDBPort: number; stepFunctionsPort: number }) {
  const { ENV } = await import('../lambdas/config.ts');
  const { LOCAL_BUCKETS, LOCAL_TABLE } = await import('../local/stack.ts');
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${ports.s3Port}`,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${ports.dynamoDBPort}`,
    AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${ports.stepFunctionsPort}`,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    [ENV.tableName]: LOCAL_TABLE,
    [ENV.primaryBucket]: LOCAL_BUCKETS.primary,
    [ENV.replicas]: JSON.stringify([
      { name: 'replica', bucket: LOCAL_BUCKETS.replica, storageClass: 'STANDARD' },
    ]),
    [ENV.bundleBucket]: LOCAL_BUCKETS.bundles,
    [ENV.s3ForcePathStyle]: 'true',
  });
}

export async function run(): Promise<void> {
  const source = join(DATA, 'files');
  const files = writeFiles(source);
  const payload = files.reduce((sum, file) => sum + file.size, 0);
  console.log(
    `cart: ${LARGE} × 16 MiB + ${SMALL} small (1–16 KiB) random files, ${(payload / MB).toFixed(0)} MB; ` +
      `best of ${RUNS}\n`,
  );

  const stack = await startStackProcess();
  try {
    await useStack(stack.ports);
    const { storeBag } = await import('../test/support/stored-bag.ts');
    const { writeBundle } = await import('../lambdas/carts/bundle-writer.ts');
    const { config } = await import('../lambdas/config.ts');
    const { storageLocations } = await import('../lambdas/storage/locations.ts');

    const { files: stored } = await storeBag({
      files: files.map((file) => ({ path: file.path, content: () => readFileSync(join(source, file.path)) })),
      algorithms: ['sha256', 'md5'],
    });
    const api = adminApi(stack.apiUrl);

    // (a) Pacifica's usage: an md5 per file with an empty hashsum (the manifest's), sha256 checked too.
    const fileids = stored.map((file) => ({ id: file.id, path: file.path, hashtype: 'md5', hashsum: '' }));
    const body = new TextEncoder().encode(JSON.stringify({ fileids }));
    // When HEAD first showed each status, in seconds from the POST (of the fastest run).
    let phases: Record<string, number> = {};
    let fastestApi = Infinity;
    const viaApi = await best(RUNS, async () => {
      const cartId = randomUUID();
      const seen = await cartUntilReady(api, cartId, { body }, 10);
      if (seen.ready! < fastestApi) [fastestApi, phases] = [seen.ready!, seen];
      await api(`/carts/${cartId}`, { method: 'DELETE' });
    });

    // (b) The writer alone.
    const cartFiles = stored.map((file) => ({
      id: file.id,
      space: file.space,
      key: file.id,
      path: file.path,
      size: file.size,
      hashtype: 'md5' as const,
      expected: file.checksums.md5,
      fixity: { hashtype: 'sha256' as const, digest: file.checksums.sha256 as string },
    }));
    // Memory is sampled from here to the end of (b): part buffers, read-ahead, SDK clients.
    const baseRss = process.memoryUsage().rss;
    let peakRss = baseRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    // The floor under (b): the same S3 reads and multipart upload, with no hashing and no tar.
    const { SourceQueue } = await import('../lambdas/carts/source-queue.ts');
    const { MultipartSink } = await import('../lambdas/carts/multipart-sink.ts');
    const { planParts } = await import('../lambdas/carts/part-size.ts');
    const s3Only = await best(RUNS, async () => {
      const sink = new MultipartSink({
        ...planParts(payload),
        bucket: config().bundleBucket,
        key: `bench/${randomUUID()}.bin`,
        totalBytes: payload,
      });
      await sink.open();
      const sources = new SourceQueue(cartFiles, storageLocations());
      for (let index = 0; index < cartFiles.length; index++) {
        const { body: source } = await sources.take(index);
        if (Buffer.isBuffer(source)) await sink.write(source);
        else for await (const chunk of source) await sink.write(chunk as Buffer);
      }
      await sink.complete();
    });

    let tarBytes = 0;
    const writerOnly = await best(RUNS, async () => {
      const result = await writeBundle({
        files: cartFiles,
        locations: storageLocations(),
        target: { bucket: config().bundleBucket, key: `bench/${randomUUID()}.tar` },
      });
      if (!result.complete) throw new Error('The bundle writer stopped early');
      tarBytes = result.bytes;
    });
    clearInterval(sampler);

    // (c) The baseline, and for scale what hashing alone costs on this machine.
    const out = join(DATA, 'gnu.tar');
    const gnuTar = await best(RUNS, async () => {
      rmSync(out, { force: true });
      await exec('tar', ['-cf', out, '-C', source, 'data']);
    });
    const hashOnly = await best(RUNS, async () => {
      for (const file of files) {
        const bytes = readFileSync(join(source, file.path));
        createHash('md5').update(bytes).digest();
        createHash('sha256').update(bytes).digest();
      }
    });
    rmSync(out, { force: true });

    const rate = (seconds: number) => `${(payload / MB / seconds).toFixed(0).padStart(5)} MB/s`;
    const row = (label: string, seconds: number) =>
      console.log(`${label.padEnd(66)} ${seconds.toFixed(3).padStart(7)} s ${rate(seconds)}`);
    row('(a) cart through the API: POST, staging, bundling, HEAD says ready', viaApi);
    row('(b) bundle writer: S3 GetObject → md5+sha256 → tar → S3 multipart', writerOnly);
    row('    S3 I/O alone: the same GetObjects and multipart upload, no hash/tar', s3Only);
    row('(c) GNU tar -cf of the same files from disk', gnuTar);
    row('    md5+sha256 of the same files from the page cache (one thread)', hashOnly);
    console.log('');
    console.log(
      `(a) phases, fastest run (seconds after the POST when HEAD first showed each): ` +
        Object.entries(phases)
          .map(([status, at]) => `${status} ${at.toFixed(2)}`)
          .join(', '),
    );
    console.log(`tar ${(tarBytes / MB).toFixed(1)} MB for ${(payload / MB).toFixed(1)} MB of files`);
    console.log(
      `time ratios: (a)/(c) = ${(viaApi / gnuTar).toFixed(1)}   (b)/(c) = ${(writerOnly / gnuTar).toFixed(1)}`,
    );
    console.log(
      `resident memory of this process while writing bundles: peak ${((peakRss - baseRss) / MiB).toFixed(0)} MiB above ` +
        `the ${(baseRss / MiB).toFixed(0)} MiB before it`,
    );
  } finally {
    await stack.stop();
    rmSync(DATA, { recursive: true, force: true });
  }
}
