import { config } from '../config.ts';

/** A place every stored bag is copied to: the primary bucket and each replica. */
export interface StorageLocation {
  name: string;
  bucket: string;
  storageClass: string;
  /** Versioning and Object Lock: writes yield version ids, Register holds them, reads name them. */
  objectLock: boolean;
}

export const PRIMARY_LOCATION_NAME = 'primary';

export function storageLocations(): StorageLocation[] {
  const settings = config();
  return [
    {
      name: PRIMARY_LOCATION_NAME,
      bucket: settings.primaryBucket,
      storageClass: settings.primaryStorageClass,
      objectLock: settings.primaryObjectLock,
    },
    ...settings.replicas.map((replica) => ({ ...replica, objectLock: replica.objectLock === true })),
  ];
}

export function storageLocation(name: string): StorageLocation {
  const location = storageLocations().find((candidate) => candidate.name === name);
  if (!location) throw new Error(`Unknown storage location "${name}"`);
  return location;
}

/** Objects in these classes cannot be read without a restore. */
export const COLD_STORAGE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

export const isCold = (storageClass: string | undefined) =>
  COLD_STORAGE_CLASSES.has(storageClass ?? 'STANDARD');

/** How event texts name a location: "primary location" or the replica's name. */
export function describeLocation(name: string): string {
  return name === PRIMARY_LOCATION_NAME ? 'primary location' : name;
}
