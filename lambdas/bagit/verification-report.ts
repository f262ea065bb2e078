import type { Bag, FileFailure, Verification } from './bag.ts';
import { describeFileFailures } from './file-failures.ts';

/**
 * Where a message stands in the report: verification finds things in name order (it merges sorted
 * lists), but reports them in the order of the bag's files and lines, as reading it top to bottom
 * would. Compared element by element; see REPORT_ORDER.
 */
export type ReportOrder = readonly number[];

/** The first element of every ReportOrder: the stages of verification, in report order. */
export const REPORT_ORDER = {
  declaration: 1,
  /** [tagFiles, index of the manifest among the tag files read (fetch.txt last), line] */
  tagFiles: 2,
  noPayloadManifest: 3,
  /** [normalisation, manifest index, line] */
  normalisation: 4,
  /** [fetchEntries, fetch.txt line, manifest index] */
  fetchEntries: 5,
  payloadOxum: 6,
  /** [warnings, kind, order of the first file concerned] */
  warnings: 8,
} as const;

interface Ordered {
  order: ReportOrder;
  sequence: number;
  message: string;
}

function byOrder(a: Ordered, b: Ordered): number {
  const length = Math.max(a.order.length, b.order.length);
  for (let i = 0; i < length; i++) {
    const difference = (a.order[i] ?? -1) - (b.order[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return a.sequence - b.sequence;
}

/** Collects what verification finds, so that every problem is reported, not just the first. */
export class VerificationReport {
  private readonly failures: Ordered[] = [];
  private readonly fileFailures = new Map<string, FileFailure>();
  private readonly warnings: Ordered[] = [];
  private sequence = 0;

  fail(message: string, order: ReportOrder): void {
    this.failures.push({ order, sequence: this.sequence++, message });
  }

  /** The first reason found for a file is the one reported. */
  failFile(path: string, reason: string, detail?: string): void {
    if (!this.fileFailures.has(path))
      this.fileFailures.set(path, { path, reason, ...(detail ? { detail } : {}) });
  }

  warn(message: string, order: ReportOrder): void {
    this.warnings.push({ order, sequence: this.sequence++, message });
  }

  finish(bag: Bag | undefined, unfetched: number, dispose: () => Promise<void>): Verification {
    const fileFailures = [...this.fileFailures.values()].sort((a, b) => compare(a.path, b.path));
    const failures = this.failures.sort(byOrder).map((failure) => failure.message);
    if (fileFailures.length > 0) failures.push(describeFileFailures(fileFailures));
    const warnings = [...new Set(this.warnings.sort(byOrder).map((warning) => warning.message))];
    return { valid: failures.length === 0, bag, failures, fileFailures, warnings, unfetched, dispose };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
