import { Readable } from 'node:stream';
import type { StreamHash } from './hashing/stream-hash.ts';
import type { TarReader } from './tar-reader.ts';

/**
 * Hash the current entry's content without storing it: slices of the decompressed chunks, no copies.
 * Undefined when it was all there and hashed at once (a small file's body usually lies in the current
 * chunk: no await per entry of an archive of many), else a promise that settles once it is hashed.
 */
export function hashBody(reader: TarReader, hash: StreamHash): Promise<void> | undefined {
  for (;;) {
    const piece = reader.bodyPiece();
    if (piece === null) return undefined;
    if (piece === undefined) return hashRest(reader, hash);
    const wait = hash.update(piece);
    if (wait) return wait.then(() => hashRest(reader, hash));
  }
}

async function hashRest(reader: TarReader, hash: StreamHash): Promise<void> {
  for (;;) {
    const piece = reader.bodyPiece() ?? (await reader.body());
    if (piece === null) return;
    const wait = hash.update(piece);
    if (wait) await wait;
  }
}

/**
 * Hand the current entry's content to `write` as a stream (slices of the decompressed chunks), hashing
 * it on the way, with backpressure from both. Resolves with the bytes handed over once `write` has
 * resolved; if the sink stops early, the rest of the content is left for the reader to skip.
 */
export async function writeBody(
  reader: TarReader,
  hash: StreamHash,
  write: (content: Readable) => Promise<void>,
): Promise<number> {
  let wake: (() => void) | undefined;
  const content = new Readable({
    highWaterMark: 1 << 20,
    read() {
      const resume = wake;
      wake = undefined;
      resume?.();
    },
  });
  // A sink that has stopped reading must not turn the archive's own error into an uncaught exception.
  content.on('error', () => {});
  let settled = false;
  const writing = write(content).finally(() => {
    settled = true;
    wake?.();
  });
  let bytes = 0;
  try {
    while (!settled) {
      const piece = reader.bodyPiece() ?? (await reader.body());
      if (piece === null) break;
      bytes += piece.length;
      const wait = hash.update(piece);
      if (!content.push(piece) && !settled) await new Promise<void>((resolve) => (wake = resolve));
      if (wait) await wait;
    }
  } catch (error) {
    content.destroy(error as Error);
    await writing.catch(() => {});
    throw error;
  }
  content.push(null);
  await writing;
  return bytes;
}
