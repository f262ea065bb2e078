import { pipeline, Transform, type Readable } from 'node:stream';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { ConditionFailed, updateIngest } from '../ingests/ingest-repository.ts';
import { isConditionFailure } from '../table/conditions.ts';
import { TABLE_KEYS } from '../table/keys.ts';

/**
 * An ingest's progress (SPEC §5.2): the bag counted once, moving first while the archive is unpacked
 * (bytes of the upload read, of `bytesTotal` = the upload's size) and then again while it is
 * replicated (the bag's new bytes and files; a chunk counts 1/n when there are n locations, see
 * ingest-repository.ts `toApiIngest`). Unpacking reports at most every few seconds.
 *
 * Replication counts each chunk exactly once however often its step is retried, without growing the
 * listed ingest item: the chunk's marker is its own small item, and the ingest item only holds the
 * markers of chunks being counted at that moment (`countingChunks`, bounded by the Map's concurrency).
 */
export const UNPACK_REPORT_MS = 2000;

/** Start of unpacking: the total is the upload's size. Only before replication began (retries). */
async function setUnpackProgress(ingestId: string, progress: Record<string, number>): Promise<void> {
  try {
    await updateIngest(ingestId, {
      set: Object.fromEntries(Object.entries(progress).map(([name, value]) => [`progress.${name}`, value])),
      condition: 'attribute_exists(pk) AND attribute_not_exists(#progressPhase)',
    });
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
  }
}

export interface UnpackProgress {
  /** The archive as it is read, counted on the way through. */
  counting(source: Readable): Readable;
  /** A file was unpacked. */
  file(): void;
  /** The last report, with the files found in all. */
  finish(files: number): Promise<void>;
}

/** Reports unpacking progress of `ingestId` every UNPACK_REPORT_MS while bytes move. */
export async function unpackProgress(
  ingestId: string,
  archiveBytes: number | undefined,
  everyMs = UNPACK_REPORT_MS,
): Promise<UnpackProgress> {
  const total = archiveBytes ?? 0;
  await setUnpackProgress(ingestId, { bytesTotal: total, bytesDone: 0, filesTotal: 0, filesDone: 0 });
  let bytes = 0;
  let files = 0;
  let last = Date.now();
  let reporting: Promise<void> = Promise.resolve();
  const report = () => {
    last = Date.now();
    const snapshot = { bytesDone: Math.min(bytes, total), filesDone: files, filesTotal: files };
    // One report at a time, never blocking the stream; a lost report is superseded by the next.
    reporting = reporting.then(() => setUnpackProgress(ingestId, snapshot)).catch(() => undefined);
  };
  return {
    // pipeline, not pipe: an error of the source reaches the unpacker through the counter.
    counting: (source) =>
      pipeline(
        source,
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            bytes += chunk.length;
            if (Date.now() - last >= everyMs) report();
            done(null, chunk);
          },
        }),
        () => undefined,
      ),
    file: () => {
      files += 1;
    },
    finish: async (all) => {
      files = all;
      bytes = total;
      report();
      await reporting;
    },
  };
}

/** Replication starts counting the bag's new bytes and files once; a retried step changes nothing. */
export async function startReplicationProgress(
  ingestId: string,
  bag: { bytes: number; files: number },
  locations: number,
): Promise<void> {
  try {
    await updateIngest(ingestId, {
      set: {
        progressPhase: 'replicating',
        progressLocations: locations,
        replicated: { bytes: 0, files: 0 },
        progress: { bytesTotal: bag.bytes, bytesDone: 0, filesTotal: bag.files, filesDone: 0 },
      },
      condition: 'attribute_exists(pk) AND attribute_not_exists(#progressPhase)',
    });
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
  }
}

/** Long past any ingest's end (a workflow runs for at most a year; its retries for far less). */
const MARKER_DAYS = 400;
const markerExpiry = () => Math.floor(Date.now() / 1000) + MARKER_DAYS * 86_400;

const markerKey = (ingestId: string, marker: string) => ({ pk: `INGEST#${ingestId}`, sk: `CHUNK#${marker}` });

/**
 * Counts a replicated chunk towards the ingest's progress once, however often the step is retried:
 * (1) its marker item is written `pending`, (2) the ingest adds its bytes and notes the marker among
 * `countingChunks` (conditional, so a retry adds nothing twice), (3) the marker becomes `counted`,
 * (4) the ingest forgets the marker. A crash between any two steps is finished by the retry.
 */
export async function countReplicatedChunk(ingestId: string, marker: string, bytes: number, files: number) {
  const table = config().tableName;
  const key = markerKey(ingestId, marker);
  const read = async () =>
    (await dynamo().send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
  let item = await read();
  if (!item) {
    try {
      await dynamo().send(
        new PutCommand({
          TableName: table,
          // Only needed while the ingest replicates: the table's TTL removes it later.
          Item: { ...key, state: 'pending', bytes, files, [TABLE_KEYS.ttlAttribute]: markerExpiry() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // A concurrent run of the same chunk wrote it: it may have counted the chunk meanwhile.
      item = await read();
    }
  }
  if (item?.state !== 'counted') {
    try {
      await updateIngest(ingestId, {
        set: {},
        add: { 'replicated.bytes': bytes, 'replicated.files': files, countingChunks: new Set([marker]) },
        condition:
          'attribute_exists(pk) AND (attribute_not_exists(#countingChunks) OR NOT contains(#countingChunks, :marker))',
        values: { ':marker': marker },
      });
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
    }
    await dynamo().send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET #state = :counted',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':counted': 'counted' },
      }),
    );
  }
  try {
    await updateIngest(ingestId, { set: {}, remove: { countingChunks: new Set([marker]) } });
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
  }
}
