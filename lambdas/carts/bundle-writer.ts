import type { StorageLocation } from '../storage/locations.ts';
import { isTransient } from '../workflows/task-errors.ts';
import type { BundleCheckpoint, SuspendedBundle } from './bundle-checkpoint.ts';
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
  /** Epoch ms after which no new file is started: the bundle is suspended to go on elsewhere. */
  deadline?: number;
  /** Where a suspended bundle stands. */
  resume?: SuspendedBundle;
  /** Smaller parts than the production default (tests exercise many parts with little data). */
  preferredPartBytes?: number;
  /** Modification time of every member, epoch seconds. */
  mtime?: number;
}

export type WriteBundleResult = { complete: true; bytes: number } | ({ complete: false } & SuspendedBundle);

/** The exact size of the tar: every member's header(s) and padded data, then the end blocks. */
export function bundleBytes(members: readonly TarMember[]): number {
  return members.reduce((sum, member) => sum + memberBytes(member), 0) + END_OF_ARCHIVE.length;
}

/**
 * Writes the cart's tar straight from the stored objects into one S3 multipart upload, verifying each
 * file's hashes in the same read. A failure, a hash mismatch included, aborts the upload, so a bundle
 * object exists only when every file in it is the right one. Past the deadline it stops between two
 * files and returns where it stands; called again with that, it goes on (at least one file a call).
 */
export async function writeBundle(options: WriteBundleOptions): Promise<WriteBundleResult> {
  const resumed = options.resume?.checkpoint;
  const mtime = resumed?.mtime ?? options.mtime ?? Math.floor(Date.now() / 1000);
  const members = options.files.map((file) => ({ path: file.path, size: file.size, mtime }));
  const totalBytes = bundleBytes(members);
  if (resumed && resumed.totalBytes !== totalBytes)
    throw new Error('The bundle checkpoint is not of this cart');
  const plan = planParts(totalBytes, options.preferredPartBytes);
  const partSize = resumed?.partSize ?? plan.partSize;
  const sink = new MultipartSink({
    partSize,
    partsInFlight: plan.partsInFlight,
    bucket: options.target.bucket,
    key: options.target.key,
    totalBytes,
    contentType: 'application/x-tar',
    beforePart: options.stillWanted,
  });
  if (options.resume) sink.resume(options.resume.checkpoint.upload, options.resume.carry);
  else await sink.open();

  const first = resumed?.nextFile ?? 0;
  try {
    const sources = new SourceQueue(options.files, options.locations);
    for (let index = first; index < options.files.length; index++) {
      if (index > first && options.deadline !== undefined && Date.now() >= options.deadline) {
        const { progress, carry } = await sink.suspend();
        const checkpoint: BundleCheckpoint = {
          upload: progress,
          partSize,
          mtime,
          totalBytes,
          nextFile: index,
        };
        return { complete: false, checkpoint, carry };
      }
      const file = options.files[index] as CartFile;
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
    // A retry of a resumed bundle goes on from its checkpoint, so a passing fault must not abort the
    // upload that checkpoint names; anything else (a refusal, a deleted cart) ends it.
    if (!(resumed && isTransient(error))) await sink.abort();
    throw error;
  }
  return { complete: true, bytes: totalBytes };
}
