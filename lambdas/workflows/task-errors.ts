import { z } from 'zod';

/**
 * Error names the state machines' Retry and Catch fields match on. A handler throws
 * `TransientError` for what a retry can cure (throttling, 5xx, timeouts, resets); everything else
 * ends the workflow through its Catch path with the error's message as the reason.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** The workflow refuses the input (a bad bag, a wrong identifier): the message is shown to the user. */
export class RefusalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusalError';
  }
}

/**
 * What a parent sees when a child execution of its Distributed Map failed: the children keep their
 * own reasons in the work area (ingest: location-failures.ts; fixity: chunk-failures.ts).
 */
export const MAP_RUN_FAILED = 'States.ExceedToleratedFailureThreshold';

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'InternalError',
  'InternalServerError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdk = error as Error & {
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    code?: string;
  };
  if (sdk.$retryable) return true;
  if ((sdk.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return TRANSIENT_NAMES.has(error.name) || (sdk.code !== undefined && TRANSIENT_NAMES.has(sdk.code));
}

/** The JSON `Cause` of a Lambda error, as Step Functions records it. */
const lambdaErrorSchema = z.object({ errorMessage: z.string() });

/**
 * The reason a Catch recorded. Step Functions hands Lambda errors over as a JSON `Cause`
 * (`{"errorMessage": …}`); the local runner hands over the bare message. Both read the same.
 */
export function reasonFromCause(cause: string | undefined): string {
  if (!cause) return 'unknown error';
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    return cause; // not JSON: the local runner's bare message
  }
  const lambdaError = lambdaErrorSchema.safeParse(parsed);
  return lambdaError.success ? lambdaError.data.errorMessage : cause;
}
