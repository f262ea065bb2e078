import { config } from '../config.ts';
import { unpackPrefix, workPrefix } from '../storage/storage-layout.ts';

/**
 * The layout of an ingest's areas in the unpack bucket: every key one step writes for a later one
 * (SPEC §2: no file list travels in workflow state). Both prefixes go when the ingest ends
 * (unpack-area.ts), whichever way it ends.
 *
 *   {space}/{ingestId}/{path in archive}             the unpacked files (Unpack)
 *   .work/{ingestId}/unpacked/{part}.json            what the archive held, in archive order (Unpack)
 *   .work/{ingestId}/unpacked/parts.json             how many parts there are (Unpack, when done)
 *   .work/{ingestId}/unpacked/checkpoint.json        how far an interrupted Unpack got
 *   .work/{ingestId}/bag.json                        the bag summary (Verify, for every later step)
 *   .work/{ingestId}/chunks/{chunk}.json             the bag's files in chunks (Verify)
 *   .work/{ingestId}/chunks/index.json               the chunks, as the Distributed Maps read them
 *   .work/{ingestId}/replicating/{location}/{chunk}  a chunk's replication there has started
 *   .work/{ingestId}/replicated/{location}/{chunk}.json  the version ids a chunk's copies got
 *   .work/{ingestId}/copies/{target hash}.json       multipart copies in progress (storage/object-copy.ts)
 *   .work/{ingestId}/failures/location.json          why a location's branch failed
 */

const part = (n: number) => String(n).padStart(6, '0');

/** Where the archive's files are unpacked. */
export const unpackedFilesPrefix = (space: string, ingestId: string) => unpackPrefix(space, ingestId);

/** Where an unpacked file of the bag is, e.g. the source of a copy. */
export function unpackedFile(space: string, ingestId: string, bagRoot: string, name: string) {
  return { bucket: config().unpackBucket, key: `${unpackedFilesPrefix(space, ingestId)}${bagRoot}${name}` };
}

export const unpackedListKey = (ingestId: string, n: number) =>
  `${workPrefix(ingestId)}unpacked/${part(n)}.json`;

export const unpackedPartsKey = (ingestId: string) => `${workPrefix(ingestId)}unpacked/parts.json`;

export const unpackCheckpointKey = (ingestId: string) => `${workPrefix(ingestId)}unpacked/checkpoint.json`;

export const bagSummaryKey = (ingestId: string) => `${workPrefix(ingestId)}bag.json`;

export const chunkKey = (ingestId: string, chunk: number) =>
  `${workPrefix(ingestId)}chunks/${part(chunk)}.json`;

export const chunkIndexKey = (ingestId: string) => `${workPrefix(ingestId)}chunks/index.json`;

/** Left when a chunk's replication into a location starts: a later attempt finds it (replicator.ts). */
export const replicationStartedKey = (ingestId: string, location: string, chunk: number) =>
  `${workPrefix(ingestId)}replicating/${encodeURIComponent(location)}/${part(chunk)}`;

export const replicatedVersionsKey = (ingestId: string, location: string, chunk: number) =>
  `${workPrefix(ingestId)}replicated/${encodeURIComponent(location)}/${part(chunk)}.json`;

/** The prefix under which storage/object-copy.ts keeps a multipart copy's progress (`copies/…`). */
export const copyProgressArea = (ingestId: string) => workPrefix(ingestId);

export const locationFailureKey = (ingestId: string) => `${workPrefix(ingestId)}failures/location.json`;
