import { Transform, type TransformCallback } from 'node:stream';
import { ArchiveRefusedError } from './archive-refused-error.ts';

/** Refuses anything that does not start like gzip (1f 8b), before zlib produces a vaguer error. */
export class GzipMagicCheck extends Transform {
  private seen = 0;
  private readonly name: string;

  constructor(name: string) {
    super();
    this.name = name;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (let index = 0; this.seen < GZIP_MAGIC.length && index < chunk.length; index++, this.seen++) {
      if (chunk[index] !== GZIP_MAGIC[this.seen]) {
        callback(new ArchiveRefusedError(`Archive ${this.name} is not gzip-compressed`));
        return;
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.seen === 0) callback(new ArchiveRefusedError(`Archive ${this.name} is empty`));
    else if (this.seen < GZIP_MAGIC.length)
      callback(new ArchiveRefusedError(`Archive ${this.name} is not gzip-compressed`));
    else callback();
  }
}

const GZIP_MAGIC = [0x1f, 0x8b];
