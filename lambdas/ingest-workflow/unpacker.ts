import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { ArchiveRefusedError } from '../archive/archive-refused-error.ts';
import { unpackArchive } from '../archive/unpack.ts';
import { s3 } from '../aws-clients.ts';
import { manifestAwareDigests } from '../bagit/digest-plan.ts';
import { config } from '../config.ts';
import type { IngestRecord } from '../ingests/ingest-repository.ts';
import { deletePrefix, isMissingObject } from '../storage/s3-objects.ts';
import { S3PrefixSink } from '../storage/s3-prefix-sink.ts';
import { unpackPrefix } from '../storage/storage-layout.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import { unpackProgress } from './progress.ts';
import { type ArchiveIdentity, readCheckpoint, writeCheckpoint } from './unpack-checkpoint.ts';
import { readUnpackedParts, UnpackedFileWriter } from './unpacked-files.ts';

/** The archive is not there or cannot be read: the user's problem, named as such. */
function sourceProblem(ingest: IngestRecord, error: unknown): unknown {
  const { bucket, path } = ingest.sourceLocation;
  if (isMissingObject(error)) return new RefusalError(`There is no archive at s3://${bucket}/${path}`);
  const name = (error as Error).name;
  if (name === 'AccessDenied' || name === 'NoSuchBucket' || name === 'Forbidden') {
    return new RefusalError(`The archive at s3://${bucket}/${path} cannot be read (${name})`);
  }
  return error;
}

async function openSource(ingest: IngestRecord): Promise<{ body: Readable; archive: ArchiveIdentity }> {
  const { bucket, path } = ingest.sourceLocation;
  try {
    const { Body, ETag, ContentLength } = await s3().send(
      new GetObjectCommand({ Bucket: bucket, Key: path }),
    );
    return { body: Body as Readable, archive: { etag: ETag ?? '', bytes: ContentLength ?? 0 } };
  } catch (error) {
    throw sourceProblem(ingest, error);
  }
}

/**
 * The archive's size, and the size above which it unpacks on ECS Fargate rather than in a Lambda
 * invocation: the workflow's Choice compares the two (statemachines/ingest.asl.json).
 */
export async function measureArchive(
  ingest: IngestRecord,
): Promise<{ bytes: number; fargateAboveBytes: number }> {
  const { bucket, path } = ingest.sourceLocation;
  try {
    const { ContentLength } = await s3().send(new HeadObjectCommand({ Bucket: bucket, Key: path }));
    return { bytes: ContentLength ?? 0, fargateAboveBytes: config().fargateUnpackAboveBytes };
  } catch (error) {
    throw sourceProblem(ingest, error);
  }
}

export interface UnpackOutcome {
  bytes: number;
  files: number;
  /** Of `files`, those an interrupted earlier run had stored (read past, not stored again). */
  resumed: number;
}

/**
 * Streams the uploaded tar.gz into the ingest's unpack prefix, hashing as it goes, and records what
 * it held. Resumable: after every part of the file list (once its files are stored) a checkpoint is
 * written, and a retried or replayed run reads past the files it names instead of storing them
 * again. A refused archive leaves nothing behind (the sink discards what it wrote); any other
 * failure keeps what was stored for the retry, and the workflow's failure path removes it if none comes.
 */
export async function unpackIngest(ingest: IngestRecord): Promise<UnpackOutcome> {
  const settings = config();
  const { body, archive } = await openSource(ingest);
  const progress = await unpackProgress(ingest.id, archive.bytes);
  const prefix = unpackPrefix(ingest.space.id, ingest.id);
  const { checkpoint, stale } = await readCheckpoint(ingest.id, archive);
  if (stale) await deletePrefix(settings.unpackBucket, prefix);
  const sink = new S3PrefixSink(settings.unpackBucket, prefix);
  const list = new UnpackedFileWriter(ingest.id, {
    firstPart: checkpoint?.parts,
    listed: checkpoint,
    beforePart: () => sink.settle(),
    afterPart: (written) => writeCheckpoint(ingest.id, { archive, ...written }),
  });
  try {
    const result = await unpackArchive(progress.counting(body), sink, {
      archiveName: ingest.sourceLocation.path,
      limits: { maxBytes: settings.maxUnpackedBytes, maxFiles: settings.maxUnpackedFiles },
      entryNames: 'storable',
      digests: manifestAwareDigests(['sha256']),
      finished: checkpoint ? readUnpackedParts(ingest.id, checkpoint.parts) : undefined,
      keepOnFailure: true,
      onFile: (file) => {
        progress.file();
        return list.add(file);
      },
    });
    await sink.settle();
    await list.finish();
    await progress.finish(result.files);
    return { bytes: result.bytes, files: result.files, resumed: result.resumed };
  } catch (error) {
    if (error instanceof ArchiveRefusedError) throw new RefusalError(error.message);
    throw error;
  }
}
