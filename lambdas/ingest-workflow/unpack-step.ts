import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { ArchiveRefusedError } from '../archive/archive-refused-error.ts';
import { unpackArchive } from '../archive/unpack.ts';
import { s3 } from '../aws-clients.ts';
import { manifestAwareDigests } from '../bagit/digest-plan.ts';
import { config } from '../config.ts';
import type { IngestRecord } from '../ingests/ingest-repository.ts';
import { isMissingObject } from '../storage/s3-objects.ts';
import { S3PrefixSink } from '../storage/s3-prefix-sink.ts';
import { unpackPrefix } from '../storage/storage-layout.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import { unpackProgress } from './progress.ts';
import { UnpackedFileWriter } from './unpacked-files.ts';

async function openSource(ingest: IngestRecord): Promise<{ body: Readable; size: number | undefined }> {
  const { bucket, path } = ingest.sourceLocation;
  try {
    const { Body, ContentLength } = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: path }));
    return { body: Body as Readable, size: ContentLength };
  } catch (error) {
    if (isMissingObject(error)) throw new RefusalError(`There is no archive at s3://${bucket}/${path}`);
    const name = (error as Error).name;
    if (name === 'AccessDenied' || name === 'NoSuchBucket') {
      throw new RefusalError(`The archive at s3://${bucket}/${path} cannot be read (${name})`);
    }
    throw error;
  }
}

/**
 * Streams the uploaded tar.gz into the ingest's unpack prefix, hashing as it goes, and records what
 * it held. A refused archive leaves nothing behind (the sink discards what it wrote).
 */
export async function unpackIngest(ingest: IngestRecord): Promise<{ bytes: number; files: number }> {
  const settings = config();
  const archive = await openSource(ingest);
  const progress = await unpackProgress(ingest.id, archive.size);
  const source = progress.counting(archive.body);
  const list = new UnpackedFileWriter(ingest.id);
  const sink = new S3PrefixSink(settings.unpackBucket, unpackPrefix(ingest.space.id, ingest.id));
  try {
    const result = await unpackArchive(source, sink, {
      archiveName: ingest.sourceLocation.path,
      limits: { maxBytes: settings.maxUnpackedBytes, maxFiles: settings.maxUnpackedFiles },
      entryNames: 'storable',
      digests: manifestAwareDigests(['sha256']),
      onFile: (file) => {
        progress.file();
        return list.add(file);
      },
    });
    await sink.finish().catch(async (error: unknown) => {
      await sink.discard();
      throw error;
    });
    await list.finish();
    await progress.finish(result.files);
    return { bytes: result.bytes, files: result.files };
  } catch (error) {
    if (error instanceof ArchiveRefusedError) throw new RefusalError(error.message);
    throw error;
  }
}
