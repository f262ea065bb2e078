import { gunzipSync } from 'node:zlib';
import { excerpt } from '../client-text.ts';
import { HttpError } from './errors.ts';

/**
 * A request body decompresses to at most this: room for a 100,000-file cart with sha512 hashsums
 * (about 30 MB of JSON), while a gzip bomb stops here instead of filling the function's memory.
 */
export const MAX_DECODED_BODY_BYTES = 48 * 1024 * 1024;

/**
 * The body's bytes with its Content-Encoding undone. API Gateway's HTTP API passes a compressed body
 * through untouched (the 10 MB payload limit counts compressed bytes), base64-encoded; one handed over
 * as text was decoded as UTF-8 on the way, which no compressed stream survives.
 */
export function decodeContent(body: string, base64: boolean, encoding: string | undefined): string {
  const coding = encoding?.trim().toLowerCase() ?? '';
  if (coding === '' || coding === 'identity')
    return base64 ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (coding !== 'gzip' && coding !== 'x-gzip')
    throw new HttpError(415, `Unsupported Content-Encoding "${excerpt(coding)}": use gzip or none.`);
  if (!base64) {
    throw new HttpError(
      415,
      'A gzip body must be sent without a text Content-Type (or as application/octet-stream), so that it arrives as bytes.',
    );
  }
  try {
    return gunzipSync(Buffer.from(body, 'base64'), { maxOutputLength: MAX_DECODED_BODY_BYTES }).toString(
      'utf8',
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new HttpError(
        413,
        `The request body decompresses to more than ${MAX_DECODED_BODY_BYTES / 1024 / 1024} MB.`,
      );
    throw new HttpError(400, 'The request body is not valid gzip data.');
  }
}
