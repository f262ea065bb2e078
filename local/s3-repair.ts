import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

const OBJECT_SUFFIX = '._S3rver_object';
const METADATA_SUFFIX = '._S3rver_metadata.json';

/**
 * s3rver writes an object's bytes, then its metadata, as two files. A process killed in between (a
 * crash, SIGKILL, power cut) leaves bytes without metadata, or half a metadata file, which s3rver
 * then lists as a whole object or answers every listing of the bucket with a 500. In S3 a PUT that
 * was never acknowledged leaves nothing, so on start every such object is removed.
 */
export async function removeInterruptedWrites(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true }).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.endsWith(OBJECT_SUFFIX)) continue;
    const object = join(directory, entry);
    const stem = object.slice(0, -OBJECT_SUFFIX.length);
    const complete = await readFile(`${stem}${METADATA_SUFFIX}`, 'utf8').then(
      (text) => {
        try {
          JSON.parse(text);
          return true;
        } catch {
          return false;
        }
      },
      () => false,
    );
    if (complete) continue;
    await rm(object, { force: true });
    await rm(`${object}.md5`, { force: true });
    await rm(`${stem}${METADATA_SUFFIX}`, { force: true });
    removed.push(entry.slice(0, -OBJECT_SUFFIX.length));
  }
  return removed;
}
