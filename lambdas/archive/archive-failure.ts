import { ArchiveRefusedError } from './archive-refused-error.ts';

/**
 * Of the errors seen while unpacking, the one that says what went wrong: our own refusal first,
 * then a gzip or tar error (rather than the "premature close" it causes further down the pipe).
 */
export function mostTelling(entryError: unknown, pipeError: unknown): unknown {
  if (entryError instanceof ArchiveRefusedError) return entryError;
  const prematureClose = (pipeError as { code?: string } | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
  if (pipeError !== undefined && !prematureClose) return pipeError;
  return entryError ?? pipeError;
}

/** Turn zlib and tar-stream errors into refusals that name the archive; anything else is left as it is. */
export function explainFailure(error: unknown, quotedName: string): unknown {
  if (error instanceof ArchiveRefusedError) return error;
  const { code, message } = error as { code?: string; message?: string };
  const refuse = (reason: string) =>
    new ArchiveRefusedError(`Archive ${quotedName} ${reason}`, { cause: error });
  if (code === 'Z_BUF_ERROR' || message === 'unexpected end of file') {
    return refuse('is truncated: the gzip stream ends early');
  }
  if (code?.startsWith('Z_')) return refuse(`is corrupt: gzip data error (${message})`);
  if (message === 'Unexpected end of data') return refuse('is truncated: the tar data ends inside an entry');
  if (message?.startsWith('Invalid tar header') || message === 'Header exceeds max size') {
    return refuse('is corrupt: invalid tar header');
  }
  return error;
}
