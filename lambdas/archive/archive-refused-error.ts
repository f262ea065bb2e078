/**
 * The archive is unsafe or unreadable and nothing from it was kept. `reason` is a sentence for a
 * human (an ingest event, the command line) that names the archive or the offending entry.
 */
export class ArchiveRefusedError extends Error {
  readonly reason: string;

  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'ArchiveRefusedError';
    this.reason = reason;
  }
}
