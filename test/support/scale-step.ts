/**
 * One ingest step of `bench -- scale`, run in a process of its own so its peak RSS is its own:
 * `node test/support/scale-step.ts verify|register DIR INGEST_JSON`. Prints one JSON line with the result.
 */
import { installFakeAws } from './scale-fake-aws.ts';
import { SCALE_BUCKETS, type SyntheticIngest } from './synthetic-bag.ts';

const [step, root, ingestJson] = process.argv.slice(2) as [string, string, string];
Object.assign(process.env, {
  BAGVAULT_TABLE: 'scale-table',
  BAGVAULT_UNPACK_BUCKET: SCALE_BUCKETS.unpack,
  BAGVAULT_PRIMARY_BUCKET: SCALE_BUCKETS.primary,
  BAGVAULT_REPLICAS: JSON.stringify([
    { name: 'replica', bucket: SCALE_BUCKETS.replica, storageClass: 'STANDARD' },
  ]),
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'scale',
  AWS_SECRET_ACCESS_KEY: 'scale',
});
const counts = installFakeAws(root);
const synthetic = JSON.parse(ingestJson) as SyntheticIngest;
const ingest = {
  id: synthetic.id,
  space: { id: synthetic.space },
  bag: { info: { externalIdentifier: synthetic.externalIdentifier, version: 'v1' } },
} as unknown as import('../../lambdas/ingests/ingest-repository.ts').IngestRecord;

const started = performance.now();
let detail: string;
if (step === 'verify') {
  const { verifyUnpackedBag } = await import('../../lambdas/ingest-workflow/verifier.ts');
  const { summary } = await verifyUnpackedBag(ingest, 'bag/');
  detail = `${summary.files} files in ${summary.chunkCount} chunks`;
} else {
  const { registerBag } = await import('../../lambdas/ingest-workflow/bag-register.ts');
  await registerBag(ingest);
  detail = `${counts.items} stored-file items in ${counts.batchWrites} BatchWrites`;
}
console.log(
  JSON.stringify({
    step,
    seconds: (performance.now() - started) / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    detail,
  }),
);
