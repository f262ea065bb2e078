/**
 * How a bundle of known size is cut into multipart-upload parts. S3 allows at most 10,000 parts of
 * 5 MiB to 5 GiB (the last may be smaller), so the part size grows with the bundle; memory holds at
 * most a few parts at once, whatever the bundle's size.
 */
const MiB = 1024 * 1024;
export const MAX_PARTS = 10_000;
export const MIN_PART_BYTES = 5 * MiB;
const MAX_PART_BYTES = 5 * 1024 * MiB;
/** Fewer, larger parts than S3's minimum: fewer requests, still little memory. */
const PREFERRED_PART_BYTES = 8 * MiB;
/** Memory for parts being uploaded; with small parts several go at once, with huge ones just one. */
const PARTS_MEMORY_BUDGET = 64 * MiB;
const MAX_PARTS_IN_FLIGHT = 4;

export interface PartPlan {
  partSize: number;
  /** Parts uploading while the next one fills. */
  partsInFlight: number;
}

export function planParts(totalBytes: number, preferredPartBytes = PREFERRED_PART_BYTES): PartPlan {
  const floor = Math.max(MIN_PART_BYTES, preferredPartBytes);
  const partSize = Math.max(floor, Math.ceil(totalBytes / MAX_PARTS / MiB) * MiB);
  if (partSize > MAX_PART_BYTES) {
    throw new Error(
      `A bundle of ${totalBytes} bytes is larger than one S3 object can be (10,000 parts of 5 GiB).`,
    );
  }
  const partsInFlight = Math.min(
    MAX_PARTS_IN_FLIGHT,
    Math.max(1, Math.floor(PARTS_MEMORY_BUDGET / partSize)),
  );
  return { partSize, partsInFlight };
}
