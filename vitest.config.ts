import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { LOCAL_STACK_NODE_OPTIONS } from './local/node-options.ts';

/**
 * Test files that replace shared code for their own run: SDK clients mocked through their prototype
 * (aws-sdk-client-mock), module mocks, stubbed globals. Each runs in a fresh worker. Every other file
 * shares its worker's modules with the files run before it (`isolate: false`), so aws-cdk-lib, the
 * AWS SDK and the handlers are evaluated once per worker instead of once per file; what those files
 * change in process.env is put back after each (test/support/shared-worker-reset.ts).
 */
const REPLACES_SHARED_CODE =
  /\bmockClient\(|\bmockS3AndDynamo\(|\bvi\.(mock|doMock|unmock|stubGlobal|stubEnv)\(/;
const TEST_DIR = new URL('./test/', import.meta.url);
const OWN_WORKER_FILES = readdirSync(TEST_DIR, { recursive: true, encoding: 'utf8' })
  .map((path) => path.replaceAll('\\', '/'))
  .filter(
    (path) =>
      path.endsWith('.test.ts') && REPLACES_SHARED_CODE.test(readFileSync(new URL(path, TEST_DIR), 'utf8')),
  )
  .map((path) => `test/${path}`);

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
          include: ['test/**/*.test.ts'],
          exclude: OWN_WORKER_FILES,
          isolate: false,
          setupFiles: ['test/support/shared-worker-reset.ts'],
        },
      },
      { extends: true, test: { name: 'own-worker', include: OWN_WORKER_FILES } },
    ],
  },
});
