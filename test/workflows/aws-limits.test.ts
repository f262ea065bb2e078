import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLE_TIME_BUDGET_MS } from '../../lambdas/carts/bundle-cart.ts';
import { DEFAULTS } from '../../lambdas/config.ts';
import { CHECKSUM_JOB_DEADLINE_HOURS } from '../../lambdas/fixity/batch-checksums.ts';
import { ChunkPacker, maxChunkCount } from '../../lambdas/workflows/chunk-list.ts';
import {
  type ExecutionBudget,
  HISTORY_EVENT_LIMIT,
  historyBudget,
  largestPayload,
  PAYLOAD_LIMIT_BYTES,
  type Scale,
} from '../support/execution-budget.ts';

/**
 * The AWS limits for the sizes SPEC §2 names, read from the ASL files and the chunking constants:
 * every execution (parent and each Distributed Map child) under 25,000 history events, every
 * state payload under 256 KB. The inline-Map design these files replaced is read the same way and
 * breaks the history limit, so the budget can fail.
 */

type Definition = { StartAt: string; States: Record<string, Record<string, unknown>> };
const asl = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')) as Definition;

const FILES = 1_000_000;
/** The biggest bag SPEC §2 names, all of it in a million files: the most chunks a bag can make. */
const BAG_BYTES = 5 * 1024 ** 4;
/** Primary and two replicas. */
const LOCATIONS = ['primary', 'replica-ireland', 'replica-glacier'];
const LIMITS = { files: DEFAULTS.chunkMaxFiles, bytes: DEFAULTS.chunkMaxBytes };
const CHUNKS = maxChunkCount(FILES, BAG_BYTES, LIMITS);

const CART_FILES = 100_000;
const CART_BYTES = 1024 ** 4;
/** DEEP_ARCHIVE restores with the Standard tier (lambdas/carts/staging.ts) finish within 12 hours. */
const RESTORE_HOURS = 12;
/** A bundling invocation's throughput, conservatively (one GET stream into one multipart upload). */
const BUNDLE_BYTES_PER_SECOND = 50 * 1024 ** 2;

const ingestId = '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b';
const chunkList = (key: string) => ({
  bucket: 'bagvault-unpackbucket-0123456789ab',
  key,
  chunkCount: CHUNKS,
});

function ingestScale(taskOutputs: Partial<Scale['taskOutputs']> = {}): Scale {
  return {
    input: { ingestId },
    itemsAt: {
      '$.assigned.locations': LOCATIONS.length,
      // The inline-Map design: chunk numbers in state, 500 files a chunk.
      '$.verified.chunks': Math.ceil(FILES / 500),
      '$.chunks': Math.ceil(FILES / 500),
    },
    readerItems: { ReplicatingChunks: CHUNKS, VerifyingChunks: CHUNKS },
    loopBounds: {},
    taskOutputs: {
      // A 5 TB bag's archive is far above the Fargate threshold: Unpack runs as the ECS task.
      MeasureArchiveFunctionArn: { bytes: BAG_BYTES, fargateAboveBytes: DEFAULTS.fargateUnpackAboveBytes },
      UnpackFunctionArn: { bytes: BAG_BYTES, files: FILES },
      'arn:aws:states:::ecs:runTask.sync': { bytes: BAG_BYTES, files: FILES },
      DetectBagRootFunctionArn: 'bag-of-a-million-files/',
      VerifyBagFunctionArn: {
        chunkList: chunkList(`.work/${ingestId}/chunks/index.json`),
        files: FILES,
        bytes: BAG_BYTES,
      },
      AssignVersionFunctionArn: { version: 'v12', locations: LOCATIONS },
      RecordStepFunctionArn: null,
      ReplicateChunkFunctionArn: null,
      VerifyReplicaChunkFunctionArn: null,
      AggregateReplicasFunctionArn: null,
      RegisterFunctionArn: null,
      CallbackFunctionArn: null,
      RecordFailureFunctionArn: null,
      ...taskOutputs,
    },
  };
}

function fixityScale(taskOutputs: Partial<Scale['taskOutputs']> = {}): Scale {
  const fixity = asl('statemachines/fixity.asl.json');
  const wait = fixity.States.WaitForChecksums as { Seconds: number } | undefined;
  // The Batch Operations checksum job is polled until its deadline (lambdas/fixity/batch-checksums.ts).
  const checksumPolls = wait ? Math.ceil((CHECKSUM_JOB_DEADLINE_HOURS * 3600) / wait.Seconds) + 1 : 0;
  return {
    input: { runId: ingestId },
    itemsAt: { '$.prepared.locations': LOCATIONS.length, '$.prepared.chunks': Math.ceil(FILES / 500) },
    readerItems: { CheckingChunks: CHUNKS },
    loopBounds: wait
      ? loop(['ChecksumsPending', 'WaitForChecksums', 'CollectingChecksums'], checksumPolls)
      : {},
    taskOutputs: {
      ComputeChecksumsFunctionArn: { pending: false },
      CollectChecksumsFunctionArn: { pending: false },
      PrepareFixityFunctionArn: {
        chunkList: chunkList(`.work/fixity-${ingestId}/chunks/index.json`),
        locations: LOCATIONS,
      },
      CheckFixityChunkFunctionArn: null,
      FindUntrackedFunctionArn: null,
      FinishFixityFunctionArn: null,
      RecordFixityFailureFunctionArn: null,
      ...taskOutputs,
    },
  };
}

/** Every state of a loop may be entered as often as the loop runs (and once more to leave it). */
const loop = (states: string[], iterations: number) =>
  Object.fromEntries(states.map((state) => [state, iterations + 1]));

function cartScale(cart: Definition): Scale {
  const wait = cart.States.WaitForRestores as { Seconds: number };
  const restorePolls = Math.ceil((RESTORE_HOURS * 3600) / wait.Seconds);
  const bundlings = Math.ceil(CART_BYTES / (BUNDLE_BYTES_PER_SECOND * (BUNDLE_TIME_BUDGET_MS / 1000)));
  return {
    input: { user: 'archivist-with-a-long-user-name', cartId: ingestId },
    itemsAt: {},
    readerItems: {},
    loopBounds: {
      ...loop(['Staging', 'RestoresPending', 'WaitForRestores'], restorePolls),
      ...loop(['Bundling', 'BundlingDone'], bundlings),
    },
    taskOutputs: {
      StageCartFunctionArn: { pendingRestores: 0, cancelled: false },
      BundleCartFunctionArn: { done: true, cancelled: false },
      RecordCartErrorFunctionArn: null,
    },
  };
}

const report = (name: string, executions: ExecutionBudget[], payload: { bytes: number; where: string }) => {
  const lines = executions.map(
    (execution) =>
      `  ${execution.execution}: ${execution.count.toLocaleString('en')} × ≤ ${execution.events.toLocaleString('en')} events`,
  );
  console.log(
    `${name}\n${lines.join('\n')}\n  largest payload: ${payload.bytes.toLocaleString('en')} bytes (${payload.where})`,
  );
};

function expectHistoriesWithinLimit(executions: ExecutionBudget[]) {
  for (const execution of executions)
    expect(execution.events, execution.execution).toBeLessThan(HISTORY_EVENT_LIMIT);
}

describe('the AWS limits at the sizes SPEC §2 names', () => {
  it('chunking gives at most maxChunkCount chunks, so the budget counts every chunk a bag can make', () => {
    // A mix that closes chunks both for their count and for their bytes, including files over the bound.
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const sizes = Array.from({ length: 200_000 }, () =>
      random() < 0.001 ? LIMITS.bytes * (1 + 3 * random()) : random() ** 8 * 400 * 1024 ** 2,
    ).map(Math.floor);
    const packer = new ChunkPacker({ ...LIMITS }, (size: number) => size);
    let chunks = 0;
    for (const size of sizes) {
      const closed = packer.add(size);
      if (closed) {
        chunks++;
        const bytes = closed.reduce((total, item) => total + item, 0);
        expect(closed.length).toBeLessThanOrEqual(LIMITS.files);
        if (closed.length > 1) expect(bytes).toBeLessThanOrEqual(LIMITS.bytes);
      }
    }
    if (packer.finish()) chunks++;
    const total = sizes.reduce((sum, size) => sum + size, 0);
    expect(chunks).toBeGreaterThan(sizes.length / LIMITS.files);
    expect(chunks).toBeLessThanOrEqual(maxChunkCount(sizes.length, total, LIMITS));
  });

  it('a 1,000,000-file, 5 TB bag: every ingest execution under 25,000 events, every payload under 256 KB', async () => {
    const ingest = asl('statemachines/ingest.asl.json');
    const executions = historyBudget(ingest, ingestScale());
    expectHistoriesWithinLimit(executions);
    const [calm] = historyBudget(ingest, ingestScale(), { retries: false });
    console.log(`ingest parent without a retry: ${calm!.events} events`);
    // UnpackingOnFargate hands its task token to the container (a real one is at most 1,024 characters).
    const payload = await largestPayload(ingest, ingestScale(), { Task: { Token: 'T'.repeat(1024) } });
    report(`ingest, ${FILES.toLocaleString('en')} files in ${CHUNKS} chunks`, executions, payload);
    // The chunk Maps run as children of each location's child execution.
    expect(executions.map((execution) => execution.execution)).toEqual([
      'parent',
      'Replicating',
      'Replicating › ReplicatingChunks',
      'Replicating › VerifyingChunks',
    ]);
    expect(payload.bytes).toBeLessThan(PAYLOAD_LIMIT_BYTES);
  });

  it('a 1,000,000-file, 5 TB bag: every fixity execution under 25,000 events, every payload under 256 KB', async () => {
    const fixity = asl('statemachines/fixity.asl.json');
    const executions = historyBudget(fixity, fixityScale());
    expectHistoriesWithinLimit(executions);
    const payload = await largestPayload(fixity, fixityScale());
    report(`fixity, ${FILES.toLocaleString('en')} files in ${CHUNKS} chunks`, executions, payload);
    expect(payload.bytes).toBeLessThan(PAYLOAD_LIMIT_BYTES);
  });

  it('a 100,000-file, 1 TB cart restored from DEEP_ARCHIVE: under 25,000 events, every payload under 256 KB', async () => {
    const cart = asl('statemachines/cart.asl.json');
    const executions = historyBudget(cart, cartScale(cart));
    expectHistoriesWithinLimit(executions);
    const payload = await largestPayload(cart, cartScale(cart), { Execution: { Name: ingestId } });
    report(`cart, ${CART_FILES.toLocaleString('en')} files`, executions, payload);
    expect(payload.bytes).toBeLessThan(PAYLOAD_LIMIT_BYTES);
  });

  it('the inline-Map design these files replaced breaks the history limit at 1,000,000 files', async () => {
    const chunks = Array.from({ length: Math.ceil(FILES / 500) }, (_, chunk) => chunk);
    const ingest = asl('test/fixtures/inline-map/ingest.asl.json');
    const [parent] = historyBudget(
      ingest,
      ingestScale({ VerifyBagFunctionArn: { chunks, files: FILES, bytes: BAG_BYTES } }),
    );
    const [withoutRetries] = historyBudget(
      ingest,
      ingestScale({ VerifyBagFunctionArn: { chunks, files: FILES, bytes: BAG_BYTES } }),
      { retries: false },
    );
    const fixity = asl('test/fixtures/inline-map/fixity.asl.json');
    const oldFixity = fixityScale({ PrepareFixityFunctionArn: { chunks, locations: LOCATIONS } });
    const [fixityParent] = historyBudget(fixity, oldFixity);
    const [fixityCalm] = historyBudget(fixity, oldFixity, { retries: false });
    console.log(
      `inline-Map design at ${FILES.toLocaleString('en')} files (${chunks.length} chunks): ingest ≤ ${parent!.events.toLocaleString('en')} events (${withoutRetries!.events.toLocaleString('en')} without a retry), fixity ≤ ${fixityParent!.events.toLocaleString('en')} (${fixityCalm!.events.toLocaleString('en')} without a retry)`,
    );
    // Ingest: even a run in which nothing is retried; fixity: once its chunks are retried.
    expect(withoutRetries!.events).toBeGreaterThan(HISTORY_EVENT_LIMIT);
    expect(parent!.events).toBeGreaterThan(HISTORY_EVENT_LIMIT);
    expect(fixityParent!.events).toBeGreaterThan(HISTORY_EVENT_LIMIT);
  });
});
