/**
 * Fixity throughput on the local stack (issue 9): ingest a bag, then time a fixity run of it (every
 * file read back and hashed in both locations) and report MB/s and files/s, beside the ingest's own
 * verification steps timed from its events in the same process. Two bags, as the ingest benchmark:
 * BENCH_FIXITY_MB of large files (default 500) and BENCH_FIXITY_FILES small files (default 10,000).
 */
import { readFileSync, rmSync } from 'node:fs';
import { runFixity } from '../test/fixity/fixity-fixture.ts';
import { startIngest, uploadArchive, waitForIngest } from '../test/support/ingests.ts';
import { startTestStack } from '../test/support/local-stack.ts';
import { benchBagShapes, makeBag, stepTimes } from './ingest.ts';

const MB = 1e6;

export async function run(): Promise<void> {
  const largeMb = Number(process.env.BENCH_FIXITY_MB ?? 500);
  const smallCount = Number(process.env.BENCH_FIXITY_FILES ?? 10_000);
  const shapes = benchBagShapes('fixity-', largeMb, smallCount);
  const stack = await startTestStack();
  try {
    for (const shape of shapes) {
      const bag = makeBag(shape.name, shape.files);
      const path = `digitised/${shape.name}.tar.gz`;
      await uploadArchive(stack, path, readFileSync(bag.archive));
      const started = await startIngest(stack, { space: 'digitised', externalIdentifier: shape.name, path });
      const ingest = (await waitForIngest(stack, started.id, 3_600_000)) as unknown as {
        status: { id: string };
        events: { description: string; createdDate: string }[];
      };
      if (ingest.status.id !== 'succeeded') throw new Error(`ingest of ${shape.name} ${ingest.status.id}`);
      const files = shape.files.length + 3;
      const start = performance.now();
      const report = await runFixity(stack, `digitised/${shape.name}`, '', 3_600_000);
      const seconds = (performance.now() - start) / 1000;
      const copies = report.progress.locations.length;
      console.log(
        `\n${shape.name}: ${shape.files.length} payload files, ${(bag.bytes / MB).toFixed(0)} MB, ${copies} locations → success ${report.success}`,
      );
      console.log(
        `  fixity run (all copies)   ${seconds.toFixed(2)} s  ${((bag.bytes * copies) / MB / seconds).toFixed(1)} MB/s read  ${((files * copies) / seconds).toFixed(0)} copies/s  ${(files / seconds).toFixed(0)} files/s`,
      );
      for (const [step, stepSeconds] of stepTimes(ingest.events)) {
        if (!/Verif/.test(step)) continue;
        console.log(
          `  ingest: ${step.padEnd(48)} ${stepSeconds.toFixed(2)} s  ${(bag.bytes / MB / stepSeconds).toFixed(1)} MB/s  (fixity/step time ratio ${(seconds / stepSeconds).toFixed(2)})`,
        );
      }
      rmSync(bag.directory, { recursive: true, force: true });
    }
  } finally {
    await stack.destroy();
  }
}
