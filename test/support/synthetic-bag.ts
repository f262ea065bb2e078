/**
 * A synthetic unpacked bag of N payload files, written straight into the fake S3's directory as the
 * unpack step leaves it: the tag files under the unpack prefix and the unpacker's file list in parts.
 * Payload objects are not written: Verify reads only tag files when unpacking computed the digests.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { UnpackedFile } from '../../lambdas/archive/unpack-sink.ts';
import {
  unpackedFilesPrefix,
  unpackedListKey,
  unpackedPartsKey,
} from '../../lambdas/ingest-workflow/work-area.ts';
import { objectPath } from './scale-fake-aws.ts';

export const SCALE_BUCKETS = {
  unpack: 'scale-unpack',
  primary: 'scale-primary',
  replica: 'scale-replica',
};

export interface SyntheticIngest {
  id: string;
  space: string;
  externalIdentifier: string;
}

export const payloadPath = (n: number) =>
  `data/objects/${String(Math.floor(n / 1000)).padStart(4, '0')}/page-${String(n).padStart(7, '0')}.tif`;
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

export async function writeSyntheticBag(root: string, ingest: SyntheticIngest, files: number): Promise<void> {
  const bucket = SCALE_BUCKETS.unpack;
  const put = (key: string, body: string) => {
    const path = objectPath(root, bucket, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
  };
  const prefix = `${unpackedFilesPrefix(ingest.space, ingest.id)}bag/`;
  const unpacked: UnpackedFile[] = [];
  let parts = 0;
  const flush = () => {
    if (unpacked.length === 0) return;
    put(unpackedListKey(ingest.id, parts++), JSON.stringify(unpacked));
    unpacked.length = 0;
  };
  const add = (file: UnpackedFile) => {
    unpacked.push(file);
    if (unpacked.length === 1000) flush();
  };

  const manifestPath = objectPath(root, bucket, `${prefix}manifest-sha256.txt`);
  mkdirSync(dirname(manifestPath), { recursive: true });
  const manifest = createWriteStream(manifestPath);
  const manifestHash = createHash('sha256');
  let manifestBytes = 0;
  let payloadBytes = 0;
  for (let n = 0; n < files; n++) {
    const path = payloadPath(n);
    const size = 1000 + (n % 5000);
    const digest = sha256(String(n));
    const line = `${digest}  ${path}\n`;
    manifestHash.update(line);
    manifestBytes += Buffer.byteLength(line);
    if (!manifest.write(line)) await once(manifest, 'drain');
    payloadBytes += size;
    add({ path: `bag/${path}`, size, digests: { sha256: digest } });
  }
  manifest.end();
  await once(manifest, 'finish');

  const tags: Record<string, string> = {
    'bagit.txt': 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n',
    'bag-info.txt': `External-Identifier: ${ingest.externalIdentifier}\nPayload-Oxum: ${payloadBytes}.${files}\nBagging-Date: 2026-12-01\n`,
  };
  const tagDigests: Record<string, string> = { 'manifest-sha256.txt': manifestHash.digest('hex') };
  for (const [name, text] of Object.entries(tags)) {
    put(`${prefix}${name}`, text);
    tagDigests[name] = sha256(text);
  }
  const tagManifest = Object.entries(tagDigests)
    .map(([name, digest]) => `${digest}  ${name}\n`)
    .join('');
  put(`${prefix}tagmanifest-sha256.txt`, tagManifest);
  tagDigests['tagmanifest-sha256.txt'] = sha256(tagManifest);
  const sizes: Record<string, number> = {
    'manifest-sha256.txt': manifestBytes,
    'tagmanifest-sha256.txt': Buffer.byteLength(tagManifest),
    ...Object.fromEntries(Object.entries(tags).map(([name, text]) => [name, Buffer.byteLength(text)])),
  };
  for (const [name, digest] of Object.entries(tagDigests))
    add({ path: `bag/${name}`, size: sizes[name] as number, digests: { sha256: digest } });
  flush();
  put(unpackedPartsKey(ingest.id), JSON.stringify({ parts }));
}
