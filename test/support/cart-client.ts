/** Small helpers for talking to the carts API of a test stack the way a Pacifica client does. */
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { TestStack } from './local-stack.ts';

export interface FileId {
  id: string;
  path: string;
  hashtype: string;
  hashsum: string;
}

/** POSTs like `curl --upload-file`: raw bytes, no Content-Type. */
export function postCart(stack: TestStack, cartId: string, body: unknown, key?: string) {
  return stack.api(`/carts/${cartId}`, {
    method: 'POST',
    body: new TextEncoder().encode(JSON.stringify(body)),
    ...(key ? { key } : {}),
  });
}

export async function cartStatus(stack: TestStack, cartId: string, key?: string) {
  const response = await stack.api(`/carts/${cartId}`, { method: 'HEAD', ...(key ? { key } : {}) });
  return {
    httpStatus: response.status,
    status: response.headers.get('x-pacifica-status'),
    message: response.headers.get('x-pacifica-message'),
  };
}

/** Polls HEAD until the cart is ready or in error (or `until` matches). */
export async function waitForCart(
  stack: TestStack,
  cartId: string,
  until: (status: string | null) => boolean = (status) => status === 'ready' || status === 'error',
  timeoutMs = 30_000,
  key?: string,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await cartStatus(stack, cartId, key);
    if (until(state.status) || state.httpStatus === 404) return state;
    if (Date.now() > deadline) throw new Error(`Cart ${cartId} still ${state.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Every regular file of a tar, by path. */
export async function untar(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name, Buffer.concat(chunks));
        next();
      });
      stream.resume();
    });
    reader.on('finish', resolve);
    reader.on('error', reject);
  });
  Readable.from([Buffer.from(bytes)]).pipe(reader);
  await done;
  return files;
}

/** GET /carts/{id}, then the presigned URL without our Authorization header, as clients must. */
export async function downloadCart(stack: TestStack, cartId: string, query = '') {
  const redirect = await stack.api(`/carts/${cartId}${query}`);
  if (redirect.status !== 302)
    throw new Error(`Expected 302, got ${redirect.status}: ${await redirect.text()}`);
  const bundle = await fetch(redirect.headers.get('location') as string);
  if (bundle.status !== 200)
    throw new Error(`Bundle download failed: ${bundle.status} ${await bundle.text()}`);
  return {
    contentDisposition: bundle.headers.get('content-disposition'),
    bytes: Buffer.from(await bundle.arrayBuffer()),
  };
}
