/**
 * A thin client of the Bagvault HTTP API for the CLI: `BAGVAULT_URL` and `BAGVAULT_KEY` from the
 * environment, JSON in and out, and the API's one error shape turned into an `ApiError` whose message
 * is the server's own description.
 */
import { UsageError } from './usage-error.ts';

export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface Api {
  url: string;
  /** A request with the key; redirects are returned, never followed (see `followWithoutKey`). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A JSON request that must answer 2xx; the body parsed. */
  json<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
}

export function apiFromEnvironment(env: NodeJS.ProcessEnv = process.env): Api {
  const url = env.BAGVAULT_URL?.replace(/\/+$/, '');
  const key = env.BAGVAULT_KEY;
  if (!url) throw new UsageError('BAGVAULT_URL is not set (e.g. export BAGVAULT_URL=http://127.0.0.1:4000)');
  if (!key) throw new UsageError('BAGVAULT_KEY is not set (export BAGVAULT_KEY=user:secret)');
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `ApiKey ${key}`);
    try {
      return await fetch(`${url}${path}`, { ...init, headers, redirect: 'manual' });
    } catch (error) {
      const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ApiError(0, `cannot reach ${url}: ${cause}`);
    }
  };
  return {
    url,
    request,
    async json<T>(path: string, init: { method?: string; body?: unknown } = {}) {
      const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
      const response = await request(path, {
        method,
        ...(init.body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) }),
      });
      if (!response.ok) throw await apiErrorOf(response, `${method} ${path}`);
      const text = await response.text();
      return (text ? JSON.parse(text) : {}) as T;
    },
  };
}

/** The server's error description (the API's error shape), or the status line when there is none. */
export async function apiErrorOf(response: Response, what: string): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let description: string;
  try {
    description = (JSON.parse(text) as { description?: string }).description ?? '';
  } catch {
    description = text.slice(0, 500);
  }
  const label = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return new ApiError(response.status, `${what} answered ${label}${description ? `: ${description}` : ''}`);
}

/**
 * Follows a 302/307 from the API to S3 without the `Authorization` header: S3 refuses a request
 * carrying two authentication methods (the presigned query and our key).
 */
export async function followWithoutKey(response: Response, what: string): Promise<Response> {
  const location = response.headers.get('location');
  if ((response.status !== 302 && response.status !== 307) || !location) {
    throw await apiErrorOf(response, what);
  }
  const target = await fetch(new URL(location, response.url || undefined));
  if (!target.ok) throw await apiErrorOf(target, `${what} (redirected download)`);
  return target;
}

/** `a/b c` → `a/b%20c`: each segment encoded, slashes kept (identifiers and bag paths contain them). */
export const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** Every page of a paginated list (`{"results","next"}`, SPEC §5). */
export async function listAll<T>(api: Api, path: string): Promise<T[]> {
  const results: T[] = [];
  let next: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api.json<{ results: T[]; next?: string }>(
      next ? `${path}${separator}next=${encodeURIComponent(next)}` : path,
    );
    results.push(...page.results);
    next = page.next;
  } while (next);
  return results;
}
