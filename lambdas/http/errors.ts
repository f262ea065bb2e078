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
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

export interface ErrorBody {
  type: 'Error';
  httpStatus: number;
  label: string;
  description: string;
}

export class HttpError extends Error {
  readonly status: number;

  constructor(status: number, description: string) {
    super(description);
    this.status = status;
  }
}

export const badRequest = (description: string) => new HttpError(400, description);
export const notFound = (description: string) => new HttpError(404, description);
export const conflict = (description: string) => new HttpError(409, description);
export const forbidden = (description = 'The API key does not grant access to this resource.') =>
  new HttpError(403, description);
export const unauthorized = (
  description = 'A valid "Authorization: ApiKey user:secret" header is required.',
) => new HttpError(401, description);

export function errorBody(status: number, description: string): ErrorBody {
  return { type: 'Error', httpStatus: status, label: LABELS[status] ?? 'Error', description };
}

/** API Gateway answers 401 when a Lambda authorizer fails with exactly this message. */
export const UNAUTHORIZED = 'Unauthorized';
