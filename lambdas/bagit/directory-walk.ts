import { lstatSync, readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { StoredFile } from './bag-store.ts';

/**
 * Every entry under `root`, breadth first, so that a bag's top-level tag files (its manifests) are
 * met before any payload file. Links are reported, never followed. `afterDirectory` runs after each
 * directory, letting a caller start work (and the event loop run) while the walk goes on.
 */
export async function walkDirectory(
  root: string,
  onFile: (file: StoredFile) => void,
  afterDirectory?: () => Promise<void> | void,
): Promise<void> {
  const pending = [''];
  // Synchronous reads on purpose: for a local tree a blocking readdir/lstat is several times faster
  // than a thread-pool round trip per file.
  for (let next = 0; next < pending.length; next++) {
    const directory = pending[next];
    for (const entry of readdirSync(join(root, directory), { withFileTypes: true })) {
      const path = directory === '' ? entry.name : `${directory}/${entry.name}`;
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) onFile({ path, size: lstatSync(join(root, path)).size });
      else onFile({ path, size: 0, notRegular: kindOf(entry) });
    }
    await afterDirectory?.();
  }
}

function kindOf(entry: Dirent): string {
  if (entry.isSymbolicLink()) return 'symbolic link';
  if (entry.isFIFO()) return 'FIFO';
  if (entry.isSocket()) return 'socket';
  return 'device';
}
