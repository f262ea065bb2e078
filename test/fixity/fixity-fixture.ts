import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TestStack } from '../support/local-stack.ts';

/** Where s3rver keeps an object's bytes on disk, under the stack's home. */
export const objectFile = (stack: TestStack, bucket: string, key: string) =>
  join(stack.home, 's3', bucket, `${key}._S3rver_object`);

/** Flips one byte of a stored object on disk, behind S3's back (bit rot). */
export async function flipByte(stack: TestStack, bucket: string, key: string, at = 0): Promise<void> {
  const file = objectFile(stack, bucket, key);
  const bytes = await readFile(file);
  bytes[at] = (bytes[at] as number) ^ 0xff;
  await writeFile(file, bytes);
}

export async function removeObjectFile(stack: TestStack, bucket: string, key: string): Promise<void> {
  await rm(objectFile(stack, bucket, key));
  await rm(`${objectFile(stack, bucket, key).slice(0, -'._S3rver_object'.length)}._S3rver_metadata.json`, {
    force: true,
  });
}

export interface FixityReport {
  id: string;
  status: 'running' | 'finished' | 'failed';
  success: boolean | null;
  message: string;
  timestamp: string;
  progress: { filesTotal: number; filesChecked: number; locations: string[] };
  failures: {
    files: Record<'missing' | 'changed' | 'untracked' | 'notCheckable', Record<string, string>[]>;
  };
  repaired: { path: string; location: string; from: string; message: string }[];
}

export async function startFixity(stack: TestStack, bagId: string, query = '', key?: string) {
  return stack.api(`/bags/${bagId}/fixity${query}`, { method: 'POST', key });
}

export async function waitForFixity(stack: TestStack, id: string, timeoutMs = 30_000): Promise<FixityReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await stack.api(`/fixity/${id}`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as FixityReport;
    if (report.status !== 'running') return report;
    if (Date.now() > deadline) throw new Error(`Fixity run ${id} still running: ${JSON.stringify(report)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** POST …/fixity, then the final report. */
export async function runFixity(
  stack: TestStack,
  bagId: string,
  query = '',
  timeoutMs?: number,
): Promise<FixityReport> {
  const response = await startFixity(stack, bagId, query);
  expect(response.status, await response.clone().text()).toBe(202);
  const { id } = (await response.json()) as { id: string };
  expect(response.headers.get('location')).toBe(`${stack.apiUrl}/fixity/${id}`);
  return waitForFixity(stack, id, timeoutMs);
}
