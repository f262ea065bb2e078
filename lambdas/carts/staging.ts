import { type HeadObjectCommandOutput, RestoreObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../aws-clients.ts';
import { locationsByHealth } from '../fixity/copy-health.ts';
import { isCold, type StorageLocation } from '../storage/locations.ts';
import type { CartFile } from './cart-file.ts';
import { mapConcurrently } from '../map-concurrently.ts';
import { headObjectOrAbsent } from '../storage/s3-objects.ts';
import type { AwaitedObject } from './restore-waiters.ts';
import { restoreState } from './restore-status.ts';

/**
 * Staging a cart: find, for every file, a location whose copy can be read now (primary first, copies
 * that passed their last fixity check before those that failed it). When every copy is in a cold
 * storage class, ask S3 to restore the first one and count the file as pending; the state machine
 * waits and stages again until nothing is pending.
 */
const HEADS_IN_FLIGHT = 32;
/**
 * Days a restored copy stays readable. Restores finish over hours (DEEP_ARCHIVE standard tier: up to
 * 12), and bundling starts after the last one, so the first copies must outlive the slowest.
 */
export const RESTORE_DAYS = 3;
/** S3's standard retrieval tier: hours, at a fraction of the expedited price. */
export const RESTORE_TIER = 'Standard';

export type FileStage = 'readable' | 'restore-requested' | 'restore-in-progress' | 'missing' | 'wrong-size';

/** A file's stage, and for a restore the bucket it is restored in. */
interface Staged {
  stage: FileStage;
  restoring?: string;
}

export interface StagingResult {
  /** Files waiting for a restore (requested now or earlier). */
  pendingRestores: number;
  /** The objects being restored, each once. */
  restoring: AwaitedObject[];
  restoresRequested: number;
  /** Ids of files no location has. */
  missing: string[];
  /** Ids of files whose stored size is not the storage manifest's. */
  wrongSize: string[];
}

async function requestRestore(bucket: string, key: string, versionId: string | undefined): Promise<void> {
  try {
    await s3().send(
      new RestoreObjectCommand({
        Bucket: bucket,
        Key: key,
        VersionId: versionId,
        RestoreRequest: { Days: RESTORE_DAYS, GlacierJobParameters: { Tier: RESTORE_TIER } },
      }),
    );
  } catch (error) {
    // Another cart asked first: the same restore serves both.
    if ((error as Error).name !== 'RestoreAlreadyInProgress') throw error;
  }
}

async function stageFrom(file: CartFile, locations: readonly StorageLocation[]): Promise<Staged> {
  const cold: { location: StorageLocation; head: HeadObjectCommandOutput }[] = [];
  for (const location of locations) {
    // The registered version: its size, class and restore state, not those of a later write.
    const head = await headObjectOrAbsent(location.bucket, file.key, file.versionIds?.[location.name]);
    if (!head) continue;
    if (head.ContentLength !== undefined && head.ContentLength !== file.size) return { stage: 'wrong-size' };
    if (!isCold(head.StorageClass) || restoreState(head.Restore) === 'restored') return { stage: 'readable' };
    cold.push({ location, head });
  }
  const first = cold[0];
  if (!first) return { stage: 'missing' };
  const restoring = first.location.bucket;
  if (restoreState(first.head.Restore) === 'in-progress') return { stage: 'restore-in-progress', restoring };
  await requestRestore(first.location.bucket, file.key, file.versionIds?.[first.location.name]);
  return { stage: 'restore-requested', restoring };
}

/**
 * Copies that failed their last fixity check are staged only when no other copy exists: a good copy
 * in cold storage is restored rather than a bad one read (the bundle would refuse its bytes).
 */
export async function stageFile(file: CartFile, locations: readonly StorageLocation[]): Promise<Staged> {
  const { good, bad } = await locationsByHealth(file.key, locations);
  const staged = await stageFrom(file, good);
  return staged.stage === 'missing' && bad.length > 0 ? stageFrom(file, bad) : staged;
}

export async function stageFiles(
  files: readonly CartFile[],
  locations: readonly StorageLocation[],
): Promise<StagingResult> {
  // A cart may hold one stored file at many paths: each object is looked at once.
  const objectOf = (file: CartFile) => JSON.stringify([file.key, file.versionIds ?? {}]);
  const distinct = [...new Map(files.map((file) => [objectOf(file), file])).values()];
  const staged = await mapConcurrently(distinct, HEADS_IN_FLIGHT, (file) => stageFile(file, locations));
  const stageOf = new Map(distinct.map((file, index) => [objectOf(file), (staged[index] as Staged).stage]));
  const stages = files.map((file) => stageOf.get(objectOf(file)) as FileStage);
  const restoring = distinct.flatMap((file, index) => {
    const bucket = (staged[index] as Staged).restoring;
    return bucket ? [{ bucket, key: file.key }] : [];
  });
  const idsIn = (stage: FileStage) =>
    files.filter((_, index) => stages[index] === stage).map((file) => file.id);
  const count = (stage: FileStage) => stages.filter((candidate) => candidate === stage).length;
  return {
    pendingRestores: count('restore-requested') + count('restore-in-progress'),
    restoring,
    restoresRequested: count('restore-requested'),
    missing: idsIn('missing'),
    wrongSize: idsIn('wrong-size'),
  };
}
