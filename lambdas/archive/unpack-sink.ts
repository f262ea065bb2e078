import type { Readable } from 'node:stream';
import type { Digests } from './hashing/algorithms.ts';

/** Where unpacked files go: a directory, an S3 prefix, or nowhere at all (hash only). */
export interface UnpackSink {
  /**
   * Store one regular file at a normalised relative path ("data/a.tif": never absolute, never "..").
   * `size` is the length declared by the archive. Must fully consume `content` before resolving.
   */
  writeFile(path: string, size: number, content: Readable): Promise<void>;
  /**
   * Optional: false for a file whose bytes this sink does not need. The file is still hashed and
   * reported, but writeFile is not called, which saves a stream per file when only verifying.
   */
  wantsContent?(path: string, size: number): boolean;
  /** Remove everything this sink wrote (called when the archive is refused or unpacking fails). */
  discard(): Promise<void>;
  /**
   * Optional, for sinks that finish writes after writeFile returns: resolves once every file handed
   * over so far is stored, and rejects with the first write that failed.
   */
  settle?(): Promise<void>;
}

/** One stored file and the digests computed while it streamed past. */
export interface UnpackedFile {
  path: string;
  size: number;
  digests: Digests;
}
