import { expect } from 'vitest';
import type { TestStack } from './local-stack.ts';

export async function postJson(
  stack: TestStack,
  path: string,
  body: unknown,
  init: { key?: string | null; headers?: Record<string, string> } = {},
) {
  return stack.api(path, {
    method: 'POST',
    body: JSON.stringify(body),
    key: init.key,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
}

/** Asserts the one error shape and returns its description. */
export async function errorOf(response: Response, status: number): Promise<string> {
  const body = (await response.json()) as { type: string; httpStatus: number; description: string };
  expect({ status: response.status, body }).toMatchObject({
    status,
    body: { type: 'Error', httpStatus: status },
  });
  return body.description;
}
