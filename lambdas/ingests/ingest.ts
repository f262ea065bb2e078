import type { IngestStatus } from './ingest-schema.ts';

/** An ingest as the API shows it (SPEC §5.2): its schema is ingest-schema.ts. */
export type { CallbackStatus, Ingest, IngestEvent, IngestStatus, IngestType } from './ingest-schema.ts';

export const FINAL_STATUSES: readonly IngestStatus[] = ['succeeded', 'failed', 'cancelled'];

/** The workflow steps, in order, as event texts name them (SPEC §5.3). */
export const STEPS = {
  unpacking: 'Unpacking',
  detectingBagRoot: 'Detecting bag root',
  verifying: 'Verification (pre-replicating to archive storage)',
  assigningVersion: 'Assigning bag version',
  aggregating: 'Aggregating replicas',
  registering: 'Register',
} as const;

export const replicatingStep = (location: string) => `Replicating to ${location}`;
export const verifyingReplicaStep = (location: string) => `Verification (${location})`;

/** Steps before which an ingest may still be cancelled. */
export const CANCELLABLE_STEPS: readonly string[] = [
  STEPS.unpacking,
  STEPS.detectingBagRoot,
  STEPS.verifying,
];

const MAX_DETAIL = 250;

/** Details and reasons are cut at 250 characters, then `...` (SPEC §5.3). */
export function truncateDetail(text: string): string {
  const oneLine = text.replace(/\s*\n\s*/g, '; ');
  return oneLine.length > MAX_DETAIL ? `${oneLine.slice(0, MAX_DETAIL)}...` : oneLine;
}

export const startedEvent = (step: string) => `${step} started`;
export const succeededEvent = (step: string, detail?: string) =>
  detail ? `${step} succeeded - ${truncateDetail(detail)}` : `${step} succeeded`;
export const failedEvent = (step: string, reason: string) => `${step} failed - ${truncateDetail(reason)}`;

/** "168 KB": decimal units, as Wellcome's unpacker reports them. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${Math.round(value * 10) / 10} ${units[unit]}`;
}
