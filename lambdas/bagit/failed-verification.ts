import type { Verification } from './bag.ts';

/** A verification that could not get as far as reading a bag (refused archive, no bag root). */
export function failedVerification(reason: string): Verification {
  return {
    valid: false,
    bag: undefined,
    failures: [reason],
    fileFailures: [],
    warnings: [],
    unfetched: 0,
    dispose: async () => {},
  };
}
