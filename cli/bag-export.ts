/**
 * `bagvault bag export SPACE/ID [--version vN] DIR`: the stored version as a complete BagIt bag.
 * Every file (payload, tag files, and payload that came through fetch.txt, which the server serves
 * from the version holding its bytes) is downloaded through the API's redirect and hashed as it is
 * written; a size or checksum that differs from the storage manifest fails the export. fetch.txt
 * itself is left out (its files are now present), and its lines are dropped from the tag manifests.
 * The bag is assembled in a sibling directory and renamed into place only once complete.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { apiFromEnvironment, encodePath, followWithoutKey, type Api } from './api-client.ts';
import { bagPath, checkVersion, parseBagId, type BagId, type ManifestFile } from './bag-id.ts';
import { fetchStorageManifest } from './bag-manifests.ts';
import type { BagOptions } from './program.ts';
import { formatBytes, progressBar, type Progress } from './progress.ts';
import { UsageError } from './usage-error.ts';

const DOWNLOADS_IN_FLIGHT = 4;
const FETCH_FILE = 'fetch.txt';

async function emptyOrAbsent(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Inside the bag, never above it: names come from the server, and a bag path has no `..`. */
function targetOf(root: string, name: string): string {
  const target = resolve(root, name);
  if (!target.startsWith(`${root}/`) || name.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`refusing to write ${JSON.stringify(name)} outside the bag`);
  }
  return target;
}

async function download(
  api: Api,
  bag: BagId,
  version: string,
  file: ManifestFile,
  algorithm: 'sha256' | 'sha512',
  target: string,
  moved: (bytes: number) => void,
): Promise<void> {
  const path = bagPath(bag, `/files/${encodePath(file.name)}?version=${version}`);
  const response = await followWithoutKey(await api.request(path), `GET ${path}`);
  const hash = createHash(algorithm);
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      moved(chunk.length);
      callback(null, chunk);
    },
  });
  await mkdir(dirname(target), { recursive: true });
  await pipeline(
    Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
    hashing,
    createWriteStream(target),
  );
  const digest = hash.digest('hex');
  if (size !== file.size || digest !== file.checksum.toLowerCase()) {
    throw new Error(
      `${file.name} does not match the storage manifest: expected ${file.size} bytes with ${algorithm} ${file.checksum}, got ${size} bytes with ${digest}`,
    );
  }
}

/** Drops fetch.txt's line from a tag manifest (`checksum  path` lines). */
function withoutFetchLine(text: string): string {
  return text
    .split(/(?<=\n)/)
    .filter((line) => line.trim().split(/\s+/).slice(1).join(' ') !== FETCH_FILE)
    .join('');
}

/** Runs `work` on every item, `limit` at a time; after a failure starts no more and waits for the rest. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      try {
        await work(items[next++] as T);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

export async function exportBag(id: string, dir: string, options: BagOptions): Promise<number> {
  const bag = parseBagId(id);
  const root = resolve(dir);
  if (!(await emptyOrAbsent(root))) throw new UsageError(`${dir} exists and is not empty`);
  const api = apiFromEnvironment();
  const manifest = await fetchStorageManifest(api, bag, checkVersion(options.version));
  const algorithm =
    manifest.manifest.checksumAlgorithm === 'SHA-512' ? ('sha512' as const) : ('sha256' as const);
  const tagAlgorithm =
    manifest.tagManifest.checksumAlgorithm === 'SHA-512' ? ('sha512' as const) : ('sha256' as const);
  const tagFiles = manifest.tagManifest.files.filter((file) => file.name !== FETCH_FILE);
  const hadFetch = tagFiles.length !== manifest.tagManifest.files.length;
  const jobs = [
    ...manifest.manifest.files.map((file) => ({ file, algorithm })),
    ...tagFiles.map((file) => ({ file, algorithm: tagAlgorithm })),
  ];
  const total = jobs.reduce((sum, job) => sum + job.file.size, 0);

  await mkdir(dirname(root), { recursive: true });
  const staging = await mkdtemp(join(dirname(root), `.${basename(root)}.export-`));
  let bar: Progress | undefined;
  try {
    bar = progressBar('Exporting', total);
    let done = 0;
    await inParallel(jobs, DOWNLOADS_IN_FLIGHT, ({ file, algorithm: used }) =>
      download(api, bag, manifest.version, file, used, targetOf(staging, file.name), (bytes) =>
        bar?.update((done += bytes)),
      ),
    );
    bar.stop();
    if (hadFetch) {
      for (const file of tagFiles.filter((tag) => /^tagmanifest-[a-z0-9]+\.txt$/.test(tag.name))) {
        const path = targetOf(staging, file.name);
        await writeFile(path, withoutFetchLine(await readFile(path, 'latin1')), 'latin1');
      }
    }
    if (await emptyOrAbsent(root)) await rmdir(root).catch(() => undefined);
    await rename(staging, root);
    await chmod(root, 0o755); // mkdtemp made it private to us
  } catch (error) {
    bar?.stop();
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  const summary = {
    bag: manifest.id,
    version: manifest.version,
    directory: root,
    files: jobs.length,
    bytes: total,
    fetchedFilesIncluded: manifest.manifest.files.filter(
      (file) => !file.path.startsWith(`${manifest.version}/`),
    ).length,
  };
  if (options.json) console.log(JSON.stringify(summary));
  else
    console.error(
      `Exported ${manifest.id} ${manifest.version}: ${jobs.length} files, ${formatBytes(total)}, every checksum verified.`,
    );
  if (!options.json) console.log(root);
  return 0;
}
