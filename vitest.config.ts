import { defineConfig } from 'vitest/config';
import { LOCAL_STACK_NODE_OPTIONS } from './local/node-options.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The local stack runs inside the test workers.
    execArgv: [...LOCAL_STACK_NODE_OPTIONS],
  },
});
