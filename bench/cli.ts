/**
 * The bagvault CLI (issue 13): start-up time of `bagvault --help` against a bare `node -e 0`, and
 * `bagvault ingest` upload throughput against `aws s3 cp` (if the aws CLI is installed) and a plain
 * SDK `Upload` of the same archive to the same local S3, all in this run. The bag is BENCH_CLI_MB
 * (default 300; 0 measures start-up only) of random (incompressible) files. Three CLI variants: the .tar.gz as is, the
 * directory (tar + gzip on the fly), and the directory resumed from a state that lists half the
 * parts as sent (it re-streams and hashes those, sending only the rest).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Upload } from '@aws-sdk/lib-storage';
import { startTestStack, type TestStack } from '../test/support/local-stack.ts';
import { waitForIngest } from '../test/support/ingests.ts';
import { localS3 } from '../test/support/s3-client.ts';

const DATA = resolve('bench/.data/cli');
const NODE = 'node_modules/.bin/node';
const MB = 1e6;
const execFileAsync = promisify(execFile);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Asynchronous: the local stack serves S3 and the API from this very process. */
async function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const start = performance.now();
  const { stdout } = await execFileAsync(command, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { seconds: (performance.now() - start) / 1000, stdout };
}

/** CPU seconds used by this process's finished children (Linux: cutime + cstime, in 1/100 s). */
function childCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/**
 * Median wall time and mean CPU time of a command. Wall time moves with the machine's load (other
 * processes queue for the CPUs); CPU time is what the command itself costs.
 */
function measureStartup(args: string[], runs: number) {
  const wall: number[] = [];
  const cpuBefore = childCpuSeconds();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(NODE, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
    wall.push((performance.now() - start) / 1000);
  }
  return { wall: median(wall), cpu: (childCpuSeconds() - cpuBefore) / runs };
}

function startup(): void {
  const runs = 20;
  const help = measureStartup(['bin/bagvault.js', '--help'], runs);
  const bare = measureStartup(['-e', '0'], runs);
  const ms = (seconds: number) => `${(seconds * 1000).toFixed(0).padStart(4)} ms`;
  console.log(
    `start-up (${runs} runs; wall time median, CPU time mean; load average ${loadavg()[0]!.toFixed(1)}):`,
  );
  console.log(`  bagvault --help        wall ${ms(help.wall)}   CPU ${ms(help.cpu)}`);
  console.log(`  node -e 0 (baseline)   wall ${ms(bare.wall)}   CPU ${ms(bare.cpu)}`);
  console.log(
    `  ratio                  wall ${(help.wall / bare.wall).toFixed(2)}      CPU ${(help.cpu / Math.max(bare.cpu, 0.001)).toFixed(2)}`,
  );
}

function makeBag(name: string, megabytes: number): { directory: string; archive: string } {
  const root = join(DATA, name);
  rmSync(root, { recursive: true, force: true });
  const directory = join(root, name);
  mkdirSync(join(directory, 'data'), { recursive: true });
  const lines: string[] = [];
  let bytes = 0;
  const count = Math.max(1, Math.round(megabytes / 50));
  for (let i = 0; i < count; i++) {
    const content = randomBytes(Math.round((megabytes * MB) / count));
    writeFileSync(join(directory, `data/f${i}.bin`), content);
    lines.push(`${createHash('sha256').update(content).digest('hex')}  data/f${i}.bin\n`);
    bytes += content.length;
  }
  writeFileSync(join(directory, 'bagit.txt'), 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
  writeFileSync(
    join(directory, 'bag-info.txt'),
    `External-Identifier: ${name}\nPayload-Oxum: ${bytes}.${count}\n`,
  );
  writeFileSync(join(directory, 'manifest-sha256.txt'), lines.join(''));
  const archive = join(root, `${name}.tar.gz`);
  const tar = spawnSync('sh', ['-c', `tar -C ${root} -cf - ${name} | gzip -1 > ${archive}`]);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return { directory, archive };
}

async function ingestWithCli(stack: TestStack, path: string, id: string, state: string) {
  const env = {
    ...process.env,
    BAGVAULT_URL: stack.apiUrl,
    BAGVAULT_KEY: stack.adminKey,
    BAGVAULT_STATE_DIR: state,
  };
  const args = [
    'bin/bagvault.js',
    'ingest',
    path,
    '--space',
    'digitised',
    '--external-identifier',
    id,
    '--json',
  ];
  const { seconds, stdout } = await timeCommand(NODE, args, env);
  const summary = JSON.parse(stdout) as {
    ingestId: string;
    upload: { archiveBytes: number; bytesSent: number };
  };
  // Its ingest must not compete with the next measurement.
  await waitForIngest(stack, summary.ingestId, 3_600_000);
  return { seconds, ...summary.upload };
}

export async function run(): Promise<void> {
  startup();
  const megabytes = Number(process.env.BENCH_CLI_MB ?? 300);
  if (megabytes === 0) return; // BENCH_CLI_MB=0: start-up only
  const stack = await startTestStack();
  try {
    const bag = makeBag('cli-bench', megabytes);
    const size = statSync(bag.archive).size;
    const rate = (bytes: number, seconds: number) => `${(bytes / MB / seconds).toFixed(1)} MB/s`;
    const results: [string, number, number][] = [];

    const hasAws = spawnSync('aws', ['--version']).status === 0;
    if (hasAws) {
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: stack.s3Credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: stack.s3Credentials.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
      };
      const target = `s3://${stack.buckets.uploads}/digitised/aws-cp/${bag.archive.split('/').pop()}`;
      const { seconds } = await timeCommand(
        'aws',
        ['--endpoint-url', stack.s3Endpoint, 's3', 'cp', '--only-show-errors', bag.archive, target],
        env,
      );
      results.push(['aws s3 cp (baseline)', size, seconds]);
    } else {
      console.log('(no aws CLI on PATH: aws s3 cp skipped)');
    }
    const start = performance.now();
    await new Upload({
      client: localS3(stack),
      params: {
        Bucket: stack.buckets.uploads,
        Key: 'digitised/sdk-upload/bench.tar.gz',
        Body: createReadStream(bag.archive),
      },
    }).done();
    results.push(['SDK Upload of the file', size, (performance.now() - start) / 1000]);

    const state = join(DATA, 'state');
    const archiveRun = await ingestWithCli(stack, bag.archive, 'cli-bench', state);
    results.push(['bagvault ingest FILE.tar.gz', archiveRun.archiveBytes, archiveRun.seconds]);
    const directoryRun = await ingestWithCli(stack, bag.directory, 'cli-bench-dir', state);
    results.push([
      'bagvault ingest DIR (tar+gzip -1 on the fly)',
      directoryRun.archiveBytes,
      directoryRun.seconds,
    ]);
    const gzipOnly = await timeCommand('sh', [
      '-c',
      `tar -C ${join(bag.directory, '..')} -cf - cli-bench | gzip -1 > /dev/null`,
    ]);
    results.push(['GNU tar | gzip -1 > /dev/null (no upload)', size, gzipOnly.seconds]);

    const baseline = results[0] as [string, number, number];
    console.log(
      `\nupload of a ${(size / MB).toFixed(0)} MB archive (${megabytes.toFixed(0)} MB random payload) to the local S3:`,
    );
    for (const [name, bytes, seconds] of results) {
      console.log(
        `  ${name.padEnd(46)} ${seconds.toFixed(2).padStart(6)} s  ${rate(bytes, seconds).padStart(11)}  (time ratio to ${baseline[0].split(' (')[0]} ${(seconds / baseline[2]).toFixed(2)})`,
      );
    }
  } finally {
    await stack.destroy();
    rmSync(DATA, { recursive: true, force: true });
  }
}
