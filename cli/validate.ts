import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { HashPool } from '../lambdas/archive/hashing/hash-pool.ts';
import type { Inflation } from '../lambdas/archive/inflation.ts';
import type { Verification } from '../lambdas/bagit/bag.ts';

const USAGE = 'Usage: bagvault validate PATH [--quiet]\n  PATH is a bag directory or a .tar.gz holding one';
// Big reads: fewer, larger buffers through gunzip mean less work per chunk on the main thread.
const READ_BYTES = 4 << 20;

/**
 * `bagvault validate PATH [--quiet]`: RFC 8493 validation of a bag directory or a tar.gz.
 * Exit 0 when valid (warnings on stderr unless --quiet), 1 when invalid (every reason on stderr),
 * 2 for usage errors. Verification code is loaded only once the path is known to be usable, and an
 * archive's unpacking code only for archives, to keep start-up short; an archive is already being
 * read and gunzipped (on libuv's pool) while that code loads. Hashing threads start only when the
 * bag is big enough to need them.
 */
export async function run(args: string[]): Promise<number> {
  const parsed = parseArguments(args);
  if ('help' in parsed) {
    console.log(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    console.error(`bagvault validate: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  const { path, quiet } = parsed;
  const kind = await kindOf(path);
  if (kind === undefined) {
    console.error(`bagvault validate: ${path} is neither a directory nor a file\n${USAGE}`);
    return 2;
  }
  const inflation = kind === 'file' ? await startInflating(path) : undefined;
  const { HashPool } = await import('../lambdas/archive/hashing/hash-pool.ts');
  const hashPool = new HashPool();
  try {
    const verification =
      kind === 'directory'
        ? await verifyDirectoryAt(path, hashPool)
        : await verifyArchiveAt(path, hashPool, inflation);
    // What verification spooled to disk for a big bag's entries is not needed here.
    await verification.dispose();
    return report(path, verification, quiet);
  } finally {
    // Not waited for: the command exits once its report is out (bin/bagvault.js), and waiting for the
    // threads to stop would add their teardown to every run.
    void hashPool.close();
  }
}

type Arguments = { path: string; quiet: boolean } | { error: string } | { help: true };

function parseArguments(args: string[]): Arguments {
  let quiet = false;
  const paths: string[] = [];
  let options = true;
  for (const arg of args) {
    if (!options) paths.push(arg);
    else if (arg === '--') options = false;
    else if (arg === '--quiet' || arg === '-q') quiet = true;
    else if (arg === '--help' || arg === '-h') return { help: true };
    else if (arg.startsWith('-') && arg !== '-') return { error: `unknown option ${arg}` };
    else paths.push(arg);
  }
  if (paths.length !== 1) return { error: paths.length === 0 ? 'missing PATH' : 'expected exactly one PATH' };
  return { path: paths[0], quiet };
}

async function kindOf(path: string): Promise<'directory' | 'file' | undefined> {
  try {
    const stats = await stat(path);
    return stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

async function verifyDirectoryAt(path: string, hashPool: HashPool): Promise<Verification> {
  const { verifyDirectory } = await import('../lambdas/bagit/verify-directory.ts');
  return verifyDirectory(path, { hashPool });
}

async function startInflating(path: string): Promise<Inflation> {
  const { Inflation } = await import('../lambdas/archive/inflation.ts');
  return Inflation.ofFile(path, READ_BYTES, { archiveName: basename(path) });
}

function openArchive(path: string) {
  return createReadStream(path, { highWaterMark: READ_BYTES });
}

async function verifyArchiveAt(
  path: string,
  hashPool: HashPool,
  inflation?: Inflation,
): Promise<Verification> {
  const { verifyArchive } = await import('../lambdas/bagit/verify-archive.ts');
  return verifyArchive(() => openArchive(path), { archiveName: basename(path), hashPool, inflation });
}

function report(path: string, verification: Verification, quiet: boolean): number {
  if (!quiet) for (const warning of verification.warnings) console.error(`warning: ${warning}`);
  if (verification.valid) {
    if (!quiet) console.log(`${path}: valid bag`);
    return 0;
  }
  console.error(`${path}: invalid bag`);
  for (const failure of verification.failures) console.error(`error: ${failure}`);
  return 1;
}
