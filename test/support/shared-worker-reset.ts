/**
 * Setup file of the test files that share a worker (vitest.config.ts). A local stack points
 * process.env at its own servers and adds the settings its test chose, and some tests change a
 * setting for a while: the next file in the worker starts from the environment this one found.
 * (The SDK clients follow: each stack drops the cached ones when it starts.)
 */
import { afterAll } from 'vitest';

const before = { ...process.env };

afterAll(() => {
  for (const name of Object.keys(process.env)) if (!(name in before)) delete process.env[name];
  Object.assign(process.env, before);
});
