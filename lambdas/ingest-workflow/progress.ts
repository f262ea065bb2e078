import { ConditionFailed, updateIngest } from '../ingests/ingest-repository.ts';

/** Counts a replicated chunk towards the ingest's progress once, however often the step is retried. */
export async function countReplicatedChunk(ingestId: string, marker: string, bytes: number, files: number) {
  try {
    await updateIngest(ingestId, {
      set: {},
      add: { 'progress.bytesDone': bytes, 'progress.filesDone': files, chunksDone: new Set([marker]) },
      condition: 'attribute_not_exists(#chunksDone) OR NOT contains(#chunksDone, :marker)',
      values: { ':marker': marker },
    });
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
  }
}
