import { ArchiveRefusedError } from './archive-refused-error.ts';
import { TarFormatError } from './tar-reader.ts';

/** Turn zlib and tar errors into refusals that name the archive; anything else is left as it is. */
export function explainFailure(error: unknown, quotedName: string): unknown {
  if (error instanceof ArchiveRefusedError) return error;
  const refuse = (reason: string) =>
    new ArchiveRefusedError(`Archive ${quotedName} ${reason}`, { cause: error });
  if (error instanceof TarFormatError) {
    return refuse(
      error.kind === 'truncated'
        ? 'is truncated: the tar data ends inside an entry'
        : 'is corrupt: invalid tar header',
    );
  }
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'Z_BUF_ERROR' || message === 'unexpected end of file') {
    return refuse('is truncated: the gzip stream ends early');
  }
  if (code?.startsWith('Z_')) return refuse(`is corrupt: gzip data error (${message})`);
  return error;
}
