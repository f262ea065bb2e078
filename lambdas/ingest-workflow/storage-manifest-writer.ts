import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { s3 } from '../aws-clients.ts';
import type { ManifestFile, StorageManifest } from '../bags/storage-manifest.ts';

/** Parts of the multipart upload: 4 in flight × 8 MiB bounds the buffers whatever the bag's size. */
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
/** Entries are handed to the upload in pieces about this big. */
const PIECE_CHARS = 64 * 1024;

const FILES_SLOT = '"files":[]';

/**
 * The storage manifest as the bytes `JSON.stringify` would give for the whole document: the
 * skeleton's text around its two empty `files` arrays, with the entries streamed in between. Only
 * the two arrays can hold `"files":[]` unescaped (every other value is a string or a list of them).
 */
export async function* storageManifestText(
  skeleton: StorageManifest,
  payload: AsyncIterable<ManifestFile> | Iterable<ManifestFile>,
  tags: AsyncIterable<ManifestFile> | Iterable<ManifestFile>,
): AsyncGenerator<string> {
  const [head, middle, tail] = JSON.stringify(skeleton).split(FILES_SLOT);
  if (tail === undefined || head === undefined || middle === undefined)
    throw new Error('A storage manifest skeleton has exactly two empty file lists');
  let piece = '';
  const entries = async function* (files: AsyncIterable<ManifestFile> | Iterable<ManifestFile>) {
    let first = true;
    for await (const file of files) {
      piece += (first ? '' : ',') + JSON.stringify(file);
      first = false;
      if (piece.length >= PIECE_CHARS) {
        yield piece;
        piece = '';
      }
    }
  };
  piece = `${head}"files":[`;
  yield* entries(payload);
  piece += `]${middle}"files":[`;
  yield* entries(tags);
  piece += `]${tail}`;
  yield piece;
}

/**
 * Streams a storage manifest into S3 (one PUT when small, a multipart upload when big), so Register's
 * memory does not grow with the bag. Returns the S3 version written and the document's size in bytes.
 */
export async function uploadStorageManifest(
  bucket: string,
  key: string,
  text: AsyncIterable<string>,
): Promise<{ versionId: string | undefined; bytes: number }> {
  let bytes = 0;
  const body = Readable.from(
    (async function* () {
      for await (const piece of text) {
        const buffer = Buffer.from(piece, 'utf8');
        bytes += buffer.length;
        yield buffer;
      }
    })(),
  );
  const upload = new Upload({
    client: s3(),
    params: { Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' },
    partSize: PART_SIZE,
    queueSize: PARTS_IN_FLIGHT,
    leavePartsOnError: false,
  });
  const written = await upload.done();
  return { versionId: written.VersionId, bytes };
}
