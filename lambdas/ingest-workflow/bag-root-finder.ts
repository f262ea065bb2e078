import { findBagRoot } from '../bagit/bag-root.ts';
import type { IngestRecord } from '../ingests/ingest-repository.ts';
import { STEP_DETAILS } from '../ingests/ingest.ts';
import { RefusalError } from '../workflows/task-errors.ts';
import type { StepResult } from './ingest-step.ts';
import { readUnpackedFiles } from './unpacked-files.ts';

/**
 * Detecting bag root: `bagit.txt` at the top of the archive, or inside its one top-level directory.
 * The root ("" or "name/") goes on to Verify.
 */
export async function locateBagRoot(ingest: IngestRecord): Promise<StepResult<string>> {
  const paths: string[] = [];
  for await (const file of readUnpackedFiles(ingest.id)) paths.push(file.path);
  const root = findBagRoot(paths);
  if (!root.ok) throw new RefusalError(root.problem);
  return { output: root.prefix, detail: STEP_DETAILS.bagRoot(root.prefix) };
}
