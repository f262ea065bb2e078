/**
 * Setup file of the test files that share a worker (vitest.config.ts): a file that leaves
 * process.env changed would change the files after it, so it fails here, and the environment is put
 * back so that the failure stays its own.
 */
import { afterAll, expect } from 'vitest';

/** Set once by a library when first imported, the same for every file: Powertools' user agent. */
const SET_ON_IMPORT = new Set(['AWS_SDK_UA_APP_ID']);

const before = { ...process.env };

afterAll(() => {
  const changed = Object.keys({ ...before, ...process.env }).filter(
    (name) => process.env[name] !== before[name] && !SET_ON_IMPORT.has(name),
  );
  for (const name of changed) {
    if (before[name] === undefined) delete process.env[name];
    else process.env[name] = before[name];
  }
  expect(changed, 'variables this file changed in process.env (it must run in its own worker)').toEqual([]);
});
