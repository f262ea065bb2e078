import { findBagRoot } from '../bagit/bag-root.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import { readUnpackedFiles } from './unpacked-files.ts';

/** `bagit.txt` at the top of the archive, or inside its one top-level directory. Returns "" or "name/". */
export async function detectBagRoot(ingestId: string): Promise<string> {
  async function* paths() {
    for await (const file of readUnpackedFiles(ingestId)) yield file.path;
  }
  const collected: string[] = [];
  for await (const path of paths()) collected.push(path);
  const root = findBagRoot(collected);
  if (!root.ok) throw new RefusalError(root.problem);
  return root.prefix;
}
