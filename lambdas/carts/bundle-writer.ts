import type { StorageLocation } from '../storage/locations.ts';
import { isTransient, RefusalError } from '../workflows/task-errors.ts';
import type { BundleCheckpoint, SuspendedBundle } from './bundle-checkpoint.ts';
import type { CartFile } from './cart-file.ts';
import { BadCopyError, FileVerifier, type VerifierState } from './file-verifier.ts';
import { MultipartSink, type SinkMark } from './multipart-sink.ts';
import { planParts } from './part-size.ts';
import { type Source, SourceQueue } from './source-queue.ts';
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
  /** Files above this size may be cut by the deadline (default RESUMABLE_FILE_BYTES). */
  resumableFileBytes?: number;
}

export type WriteBundleResult = { complete: true; bytes: number } | ({ complete: false } & SuspendedBundle);

/** The exact size of the tar: every member's header(s) and padded data, then the end blocks. */
export function bundleBytes(members: readonly TarMember[]): number {
  return members.reduce((sum, member) => sum + memberBytes(member), 0) + END_OF_ARCHIVE.length;
}

/**
 * A file is read in parts of invocations only when it may not fit in one: above this size its digests
 * are ones that can be saved (slower than Node's), and the deadline is checked inside it. At Lambda's
 * S3 throughput, a file below it is written in well under the five minutes the last file started gets.
 */
export const RESUMABLE_FILE_BYTES = 8 * 1024 ** 3;

/** Where a file cut by the deadline stands: enough for another invocation to go on inside it. */
export interface FileProgress {
  /** The location whose copy is being read: the saved digests have seen its first bytes. */
  location: string;
  verifier: VerifierState;
  /** The upload where the file's data began, to start the file again there if its copy proves bad. */
  start: { partNumber: number; written: number };
}

/** A file cut by the deadline: its progress, and the unfinished part's bytes where its data began. */
interface CutFile {
  progress: FileProgress;
  startCarry: Buffer;
}

/** Where writing one file begins: afresh, or inside it where another invocation stopped. */
interface FileStart {
  index: number;
  resume?: { progress: FileProgress; startCarry: Buffer };
  /** Epoch ms after which a resumable file is cut (once this invocation has sent a part). */
  deadline?: number;
  resumableFileBytes: number;
}

/**
 * Writes one file's bytes into the tar, verified, retrying a copy that proves bad (not the manifest's
 * bytes) from the next location that can serve one. The bytes must be verified before they are
 * committed: a small file's are read whole ahead, so they are checked before any is written; a large
 * file's are streamed into the upload as they are hashed, so the sink is marked at the file's start
 * and rewound there on a mismatch (parts sent meanwhile are sent again under the same numbers). Only
 * when no location has a good copy does the cart fail, with the last copy's mismatch.
 * A file above `resumableFileBytes` may be cut by the deadline: it then returns where it stands.
 */
async function writeVerified(
  sink: MultipartSink,
  sources: SourceQueue,
  file: CartFile,
  start: FileStart,
): Promise<CutFile | undefined> {
  const { index, resume } = start;
  const resumable = start.deadline !== undefined && file.size > start.resumableFileBytes;
  const uploadsAtStart = sink.partUploads;
  let source = resume
    ? await sources.reopen(index, resume.progress.location, resume.progress.verifier.bytes)
    : await sources.take(index);
  let verifier = resume
    ? await FileVerifier.resumable(file, resume.progress.verifier)
    : resumable
      ? await FileVerifier.resumable(file)
      : new FileVerifier(file);
  const { body: firstBody } = source;
  let mark: SinkMark | undefined = resume
    ? { ...resume.progress.start, carry: resume.startCarry }
    : Buffer.isBuffer(firstBody)
      ? undefined
      : sink.mark();
  for (;;) {
    const { body } = source;
    try {
      if (Buffer.isBuffer(body)) {
        verifier.update(body);
        verifier.verify();
        await sink.write(body);
      } else {
        for await (const chunk of body) {
          verifier.update(chunk as Buffer);
          await sink.write(chunk as Buffer);
          const cut =
            resumable &&
            Date.now() >= (start.deadline as number) &&
            sink.partUploads > uploadsAtStart &&
            verifier.bytesRead < file.size;
          if (cut) {
            body.destroy();
            const { partNumber, written, carry } = mark as SinkMark;
            return {
              progress: {
                location: source.location.name,
                verifier: verifier.save(),
                start: { partNumber, written },
              },
              startCarry: carry,
            };
          }
        }
        verifier.verify();
      }
      return undefined;
    } catch (error) {
      if (!(error instanceof BadCopyError)) throw error;
      if (!Buffer.isBuffer(body)) body.destroy();
      const next = await nextCopy(sources, index, source);
      if (!next) throw error;
      if (mark) await sink.rewind(mark);
      source = next;
      verifier = resumable ? await FileVerifier.resumable(file) : new FileVerifier(file);
      mark ??= Buffer.isBuffer(next.body) ? undefined : sink.mark();
    }
  }
}

/** The file from the locations after the bad copy's; none when no further location can serve it. */
async function nextCopy(sources: SourceQueue, index: number, bad: Source): Promise<Source | undefined> {
  if (bad.rest.length === 0) return undefined;
  try {
    return await sources.retry(index, bad.rest);
  } catch (error) {
    if (error instanceof RefusalError) return undefined;
    throw error;
  }
}

/**
 * Writes the cart's tar straight from the stored objects into one S3 multipart upload, verifying each
 * file's hashes in the same read (a bad copy is read again from another location). A failure, a hash
 * mismatch no location can cure included, aborts the upload, so a bundle
 * object exists only when every file in it is the right one. Past the deadline it stops between two
 * files, or inside a file above `resumableFileBytes` once a part has gone out, and returns where it
 * stands; called again with that, it goes on (at least one file or one part a call).
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
  const resumableFileBytes = options.resumableFileBytes ?? RESUMABLE_FILE_BYTES;
  try {
    const sources = new SourceQueue(options.files, options.locations);
    const suspend = async (nextFile: number, cut?: CutFile): Promise<WriteBundleResult> => {
      const { progress, carry } = await sink.suspend();
      const checkpoint: BundleCheckpoint = {
        upload: progress,
        partSize,
        mtime,
        totalBytes,
        nextFile,
        ...(cut ? { inFile: cut.progress } : {}),
      };
      return { complete: false, checkpoint, carry, ...(cut ? { startCarry: cut.startCarry } : {}) };
    };
    for (let index = first; index < options.files.length; index++) {
      if (index > first && options.deadline !== undefined && Date.now() >= options.deadline)
        return await suspend(index);
      const file = options.files[index] as CartFile;
      const inFile = index === first ? resumed?.inFile : undefined;
      if (!inFile) await sink.write(memberHeader(members[index] as TarMember));
      const resume = inFile && {
        progress: inFile,
        startCarry: options.resume?.startCarry ?? Buffer.alloc(0),
      };
      const cut = await writeVerified(sink, sources, file, {
        index,
        resumableFileBytes,
        ...(resume ? { resume } : {}),
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      });
      if (cut) return await suspend(index, cut);
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
