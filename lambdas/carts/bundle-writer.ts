import type { StorageLocation } from '../storage/locations.ts';
import type { CartFile } from './cart-file.ts';
import { FileVerifier } from './file-verifier.ts';
import { MultipartSink } from './multipart-sink.ts';
import { planParts } from './part-size.ts';
import { SourceQueue } from './source-queue.ts';
import { END_OF_ARCHIVE, memberBytes, memberHeader, paddedSize, type TarMember } from './tar/ustar-header.ts';

export interface BundleTarget {
  bucket: string;
  key: string;
}

export interface WriteBundleOptions {
  files: readonly CartFile[];
  locations: readonly StorageLocation[];
  target: BundleTarget;
  /** Checked before each part goes out; throws to stop (the upload is then aborted). */
  stillWanted?: () => Promise<void>;
  /** Smaller parts than the production default (tests exercise many parts with little data). */
  preferredPartBytes?: number;
  /** Modification time of every member, epoch seconds. */
  mtime?: number;
}

/** The exact size of the tar: every member's header(s) and padded data, then the end blocks. */
export function bundleBytes(members: readonly TarMember[]): number {
  return members.reduce((sum, member) => sum + memberBytes(member), 0) + END_OF_ARCHIVE.length;
}

/**
 * Writes the cart's tar straight from the stored objects into one S3 multipart upload, verifying each
 * file's hashes in the same read. Any failure, a hash mismatch included, aborts the upload, so a
 * bundle object exists only when every file in it is the right one.
 */
export async function writeBundle(options: WriteBundleOptions): Promise<{ bytes: number }> {
  const mtime = options.mtime ?? Math.floor(Date.now() / 1000);
  const members = options.files.map((file) => ({ path: file.path, size: file.size, mtime }));
  const totalBytes = bundleBytes(members);
  const sink = new MultipartSink({
    ...planParts(totalBytes, options.preferredPartBytes),
    bucket: options.target.bucket,
    key: options.target.key,
    totalBytes,
    contentType: 'application/x-tar',
    beforePart: options.stillWanted,
  });
  await sink.open();
  try {
    const sources = new SourceQueue(options.files, options.locations);
    for (const [index, file] of options.files.entries()) {
      await sink.write(memberHeader(members[index] as TarMember));
      const verifier = new FileVerifier(file);
      const source = await sources.take(index);
      if (Buffer.isBuffer(source)) {
        verifier.update(source);
        await sink.write(source);
      } else {
        for await (const chunk of source) {
          verifier.update(chunk as Buffer);
          await sink.write(chunk as Buffer);
        }
      }
      verifier.verify();
      const padding = paddedSize(file.size) - file.size;
      if (padding > 0) await sink.write(END_OF_ARCHIVE.subarray(0, padding));
    }
    await sink.write(END_OF_ARCHIVE);
    await sink.complete();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  return { bytes: totalBytes };
}
