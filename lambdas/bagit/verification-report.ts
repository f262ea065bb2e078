import type { Bag, FileFailure, Verification } from './bag.ts';
import type { FetchEntry } from './fetch-file.ts';
import { describeFileFailures } from './file-failures.ts';

/** Collects what verification finds, so that every problem is reported, not just the first. */
export class VerificationReport {
  private readonly failures: string[] = [];
  private readonly fileFailures = new Map<string, FileFailure>();
  private readonly warnings = new Set<string>();

  fail(message: string): void {
    this.failures.push(message);
  }

  /** The first reason found for a file is the one reported. */
  failFile(path: string, reason: string, detail?: string): void {
    if (!this.fileFailures.has(path))
      this.fileFailures.set(path, { path, reason, ...(detail ? { detail } : {}) });
  }

  warn(message: string): void {
    this.warnings.add(message);
  }

  finish(bag: Bag | undefined, unfetched: FetchEntry[]): Verification {
    const fileFailures = [...this.fileFailures.values()].sort((a, b) => compare(a.path, b.path));
    const failures = [...this.failures];
    if (fileFailures.length > 0) failures.push(describeFileFailures(fileFailures));
    return {
      valid: failures.length === 0,
      bag,
      failures,
      fileFailures,
      warnings: [...this.warnings],
      unfetched,
    };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
