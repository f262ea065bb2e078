import { z } from 'zod';
import { Conflict, type DomainError, Forbidden, Gone, Invalid, NotFound } from '../errors.ts';

/** The one error shape of the API: `{"type":"Error","httpStatus":400,"label":"Bad Request","description":"…"}`. */
const LABELS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const errorSchema = z
  .object({
    type: z.literal('Error'),
    httpStatus: z.number(),
    label: z.string(),
    description: z.string().meta({ description: 'Several problems are joined with newlines.' }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof errorSchema>;

/** A protocol-level refusal (401, 413, 415…) raised by the HTTP layer itself. */
export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, description: string) {
    super(description);
    this.status = status;
  }
}

/** Each domain error kind's status: the one place the domain meets HTTP. */
const DOMAIN_STATUS = new Map<new (message: string) => DomainError, number>([
  [Invalid, 400],
  [Forbidden, 403],
  [NotFound, 404],
  [Conflict, 409],
  [Gone, 410],
]);

/** The status and description of an error a client caused; `undefined` for anything else (a 500). */
export function clientErrorOf(error: unknown): { status: number; description: string } | undefined {
  if (error instanceof HttpError) return { status: error.status, description: error.message };
  for (const [kind, status] of DOMAIN_STATUS)
    if (error instanceof kind) return { status, description: error.message };
  return undefined;
}

/**
 * No line of a description is longer than this. Validation messages already cut the values they
 * repeat (client-text.ts `excerpt`); this holds for every other message that names what a
 * client sent (an 8 KB path segment in a 404), so no request is ever echoed back in bulk.
 */
const MAX_LINE_CHARACTERS = 500;
/**
 * Nor does a description list more problems than this: a 10 MB body with a million unknown fields
 * would otherwise be answered with ~100 MB of them, past Lambda's 6 MB response limit (a 502).
 */
const MAX_LINES = 100;

function capped(description: string): string {
  const lines = description.split('\n');
  const shown = lines
    .slice(0, MAX_LINES)
    .map((line) => (line.length > MAX_LINE_CHARACTERS ? `${line.slice(0, MAX_LINE_CHARACTERS)}…` : line));
  if (lines.length > MAX_LINES) shown.push(`…and ${(lines.length - MAX_LINES).toLocaleString('en')} more.`);
  return shown.join('\n');
}

export function errorBody(status: number, description: string): ErrorBody {
  return {
    type: 'Error',
    httpStatus: status,
    label: LABELS[status] ?? 'Error',
    description: capped(description),
  };
}

/** API Gateway answers 401 when a Lambda authorizer fails with exactly this message. */
export const UNAUTHORIZED = 'Unauthorized';
