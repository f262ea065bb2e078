import { defineConfig } from 'vitest/config';
import { LOCAL_STACK_NODE_OPTIONS } from './local/node-options.ts';

/**
 * Test files that share their worker's modules with the files run before them (`isolate: false`):
 * they start no local stack, mock no module or SDK client and leave process.env as they found it
 * (test/support/shared-worker-guard.ts fails a file that changes it). Most are the CDK template
 * tests, which would otherwise load aws-cdk-lib afresh for each file: the heaviest import of the
 * suite. Every other file runs in a fresh worker, because the local stack points process.env and the
 * SDK clients at its own servers, and module mocks replace shared modules.
 */
const SHARED_WORKER_FILES = [
  'test/cdk/**/*.test.ts',
  'test/**/*-template.test.ts',
  'test/archive/**/*.test.ts',
  'test/bagit/**/*.test.ts',
  'test/carts/{part-size,ustar-header}.test.ts',
  'test/cli/{progress,start-up}.test.ts',
  'test/failure/interrupted-writes.test.ts',
  'test/ingest/callback-url.test.ts',
  'test/local/{distributed-map,s3-large-prefix,s3-server-patches}.test.ts',
  'test/scale/{external-sort,memory-bound,merge-compare,storage-manifest-reader}.test.ts',
  'test/workflows/aws-limits.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The local stack runs inside the test workers.
    execArgv: [...LOCAL_STACK_NODE_OPTIONS],
    // Vitest's default on a 2-core machine (CI) is a single worker, which leaves a core idle while
    // integration tests wait on the local stack's servers; two keep both busy.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared-worker',
          include: SHARED_WORKER_FILES,
          isolate: false,
          setupFiles: ['test/support/shared-worker-guard.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'own-worker', include: ['test/**/*.test.ts'], exclude: SHARED_WORKER_FILES },
      },
    ],
  },
});
