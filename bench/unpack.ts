/**
 * `npm run bench -- unpack`: the ingest's Unpack into S3 for a bag of many small files, where each
 * PUT waits on S3's latency rather than on bandwidth. S3 is mocked at the SDK level with a fixed
 * per-request latency (BENCH_UNPACK_LATENCY_MS, default 20 ms, about S3's for a small PUT), so the
 * figures show how far the sink's requests in flight hide it. Printed as ratios to the old bound of
 * 16 small-file PUTs in flight, run in this process. Also: a resumed run that finds half the files
 * in its checkpoint, against the full run.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { unpackArchive, type FinishedFile } from '../lambdas/archive/unpack.ts';
import { S3PrefixSink, SMALL_FILES_IN_FLIGHT } from '../lambdas/storage/s3-prefix-sink.ts';
import { buildTarGz } from '../test/fixtures/tar-builder.ts';

export async function run(): Promise<void> {
  const files = Number(process.env.BENCH_UNPACK_FILES ?? 4000);
  const latencyMs = Number(process.env.BENCH_UNPACK_LATENCY_MS ?? 20);
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.BAGVAULT_UNPACK_BUCKET ??= 'bench-unpack';
  const s3 = mockClient(S3Client);
  let puts = 0;
  s3.on(PutObjectCommand).callsFake(async () => {
    puts++;
    await new Promise((resolve) => setTimeout(resolve, latencyMs));
    return {};
  });
  const entries = Array.from({ length: files }, (_, i) => ({
    name: `bag/data/${String(i).padStart(6, '0')}.txt`,
    content: `file ${i} `.repeat(40),
  }));
  const archive = await buildTarGz(entries);

  async function unpack(inFlight: number, finished?: FinishedFile[]) {
    puts = 0;
    const started = performance.now();
    const sink = new S3PrefixSink('bench-unpack', 'bench/', { smallFilesInFlight: inFlight });
    await unpackArchive(Readable.from([archive]), sink, {
      finished: finished
        ? (async function* () {
            yield* finished;
          })()
        : undefined,
    });
    await sink.settle();
    return { seconds: (performance.now() - started) / 1000, puts };
  }

  console.log(`${files} files of ~400 bytes, ${latencyMs} ms per PUT (S3 mocked at the SDK)`);
  const baseline = await unpack(16);
  const now = await unpack(SMALL_FILES_IN_FLIGHT);
  const half = entries.slice(0, files / 2).map((entry) => ({ path: entry.name, size: entry.content.length }));
  const resumed = await unpack(SMALL_FILES_IN_FLIGHT, half);
  const line = (label: string, result: { seconds: number; puts: number }) =>
    console.log(
      `${label.padEnd(34)} ${result.seconds.toFixed(2)} s  ${(files / result.seconds).toFixed(0).padStart(6)} files/s  ` +
        `${String(result.puts).padStart(5)} PUTs  ×${(baseline.seconds / result.seconds).toFixed(2)} vs 16 in flight`,
    );
  line('16 small-file PUTs in flight (old)', baseline);
  line(`${SMALL_FILES_IN_FLIGHT} in flight (now)`, now);
  line(`${SMALL_FILES_IN_FLIGHT} in flight, resumed at half`, resumed);
  s3.restore();
}
