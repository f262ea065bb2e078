import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** The hex digest and length of a stream, read once with bounded memory. */
export async function digestStream(
  stream: Readable,
  algorithm: string,
): Promise<{ digest: string; size: number }> {
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: hash.digest('hex'), size };
}
