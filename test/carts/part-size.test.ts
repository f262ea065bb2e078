import { describe, expect, it } from 'vitest';
import { MAX_PARTS, MIN_PART_BYTES, planParts } from '../../lambdas/carts/part-size.ts';

const GiB = 1024 ** 3;

describe('multipart plans', () => {
  it.each([1, 100 * 1024 ** 2, 80 * GiB, 1024 * GiB, 40 * 1024 * GiB])(
    'keep a %d-byte bundle within 10,000 parts of at least 5 MiB',
    (total) => {
      const { partSize, partsInFlight } = planParts(total);
      expect(partSize).toBeGreaterThanOrEqual(MIN_PART_BYTES);
      expect(Math.ceil(total / partSize)).toBeLessThanOrEqual(MAX_PARTS);
      expect(partsInFlight).toBeGreaterThanOrEqual(1);
      // Memory: the parts in flight and the one filling stay within a fixed budget or one big part.
      expect((partsInFlight + 1) * partSize).toBeLessThanOrEqual(Math.max(80 * 1024 ** 2, 2 * partSize));
    },
  );

  it('refuses a bundle S3 cannot hold in one object', () => {
    expect(() => planParts(10_001 * 5 * GiB)).toThrow(/larger than one S3 object/);
  });
});
