import { Transform, type TransformCallback } from 'node:stream';
import { ArchiveRefusedError } from './archive-refused-error.ts';

/**
 * Why bytes cannot be the start of a gzip stream (1f 8b), if they cannot: `ended` when they are all
 * there is. Undefined while they still may be.
 */
export function gzipStartProblem(
  quotedName: string,
  start: Uint8Array,
  ended: boolean,
): ArchiveRefusedError | undefined {
  if (start.length === 0 && ended) return new ArchiveRefusedError(`Archive ${quotedName} is empty`);
  for (let index = 0; index < Math.min(start.length, GZIP_MAGIC.length); index++) {
    if (start[index] !== GZIP_MAGIC[index]) return notGzip(quotedName);
  }
  return start.length < GZIP_MAGIC.length && ended ? notGzip(quotedName) : undefined;
}

/** Refuses anything that does not start like gzip, before zlib produces a vaguer error. */
export class GzipMagicCheck extends Transform {
  private readonly start: number[] = [];
  private readonly name: string;

  constructor(name: string) {
    super();
    this.name = name;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.start.length < GZIP_MAGIC.length) {
      this.start.push(...chunk.subarray(0, GZIP_MAGIC.length - this.start.length));
      const problem = gzipStartProblem(this.name, Uint8Array.from(this.start), false);
      if (problem) {
        callback(problem);
        return;
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(gzipStartProblem(this.name, Uint8Array.from(this.start), true));
  }
}

const GZIP_MAGIC = [0x1f, 0x8b];

function notGzip(quotedName: string): ArchiveRefusedError {
  return new ArchiveRefusedError(`Archive ${quotedName} is not gzip-compressed`);
}
