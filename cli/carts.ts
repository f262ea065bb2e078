/** `bagvault cart create|status|download|delete` (SPEC §5.5). */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError, apiErrorOf, apiFromEnvironment, followWithoutKey, type Api } from './api-client.ts';
import { checkVersion, parseBagId } from './bag-id.ts';
import { fetchStorageManifest } from './bag-manifests.ts';
import type { CartCreateOptions, CartDownloadOptions } from './program.ts';
import { formatBytes, progressBar } from './progress.ts';
import { UsageError } from './usage-error.ts';

const POLL_MS = 500;

function checkCartId(cartId: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(cartId)) {
    throw new UsageError(`bad cart id "${cartId}": use 1 to 128 of A-Z a-z 0-9 _ -`);
  }
  return cartId;
}

async function fileIdsOf(api: Api, options: CartCreateOptions): Promise<unknown> {
  if (options.bag && options.fileids) throw new UsageError('give --bag or --fileids, not both');
  if (options.fileids) {
    try {
      return JSON.parse(await readFile(options.fileids, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read --fileids ${options.fileids}: ${(error as Error).message}`);
    }
  }
  if (!options.bag) throw new UsageError('say what goes in the cart: --bag SPACE/ID or --fileids FILE');
  const bag = parseBagId(options.bag);
  const manifest = await fetchStorageManifest(api, bag, checkVersion(options.version));
  const hashtype = manifest.manifest.checksumAlgorithm === 'SHA-512' ? 'sha512' : 'sha256';
  return {
    fileids: [...manifest.manifest.files, ...manifest.tagManifest.files].map((file) => ({
      // A file that came through fetch.txt is stored under the version its `path` names.
      id: `${bag.space}/${bag.externalIdentifier}/${file.path}`,
      path: file.name,
      hashtype,
      hashsum: file.checksum,
    })),
  };
}

export async function createCart(cartId: string | undefined, options: CartCreateOptions): Promise<number> {
  const id = checkCartId(cartId ?? randomUUID());
  const api = apiFromEnvironment();
  const body = await fileIdsOf(api, options);
  const created = await api.json<{ message: string }>(`/carts/${id}`, { body });
  const files = (body as { fileids?: unknown[] }).fileids?.length;
  if (options.json) console.log(JSON.stringify({ cartId: id, files, ...created }));
  else {
    console.error(`${created.message}${files === undefined ? '' : ` (${files} files)`}`);
    console.log(id);
  }
  return 0;
}

interface CartState {
  cartId: string;
  status: string;
  message: string;
  bytesDone?: number;
  bytesTotal?: number;
}

async function headCart(api: Api, cartId: string): Promise<CartState> {
  const response = await api.request(`/carts/${cartId}`, { method: 'HEAD' });
  if (response.status === 404) throw new ApiError(404, `cart ${cartId} not found`);
  if (!response.ok) throw await apiErrorOf(response, `HEAD /carts/${cartId}`);
  const number = (name: string) => {
    const value = response.headers.get(name);
    return value === null ? undefined : Number(value);
  };
  return {
    cartId,
    status: response.headers.get('x-pacifica-status') ?? 'unknown',
    message: decodeURIComponent(response.headers.get('x-pacifica-message') ?? ''),
    bytesDone: number('x-bagvault-bytes-done'),
    bytesTotal: number('x-bagvault-bytes-total'),
  };
}

async function waitForCart(api: Api, cartId: string): Promise<CartState> {
  const bar = progressBar('waiting', 0);
  try {
    for (;;) {
      const state = await headCart(api, cartId);
      if (state.status === 'ready' || state.status === 'error') return state;
      bar.update(state.bytesDone ?? 0, state.bytesTotal ?? 0, state.status);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    bar.stop();
  }
}

export async function cartStatus(
  cartId: string,
  options: { wait?: boolean; json?: boolean },
): Promise<number> {
  const api = apiFromEnvironment();
  const state = options.wait
    ? await waitForCart(api, checkCartId(cartId))
    : await headCart(api, checkCartId(cartId));
  if (options.json) console.log(JSON.stringify(state));
  else {
    const bytes =
      state.bytesTotal !== undefined
        ? ` (${formatBytes(state.bytesDone ?? 0)} of ${formatBytes(state.bytesTotal)})`
        : '';
    console.log(`${state.status}${state.message ? `: ${state.message}` : ''}${bytes}`);
  }
  return options.wait && state.status === 'error' ? 1 : 0;
}

/** `attachment; filename="x.tar"` → `x.tar`, never a path. */
function filenameOf(disposition: string | null): string | undefined {
  const name = /filename="([^"]+)"/.exec(disposition ?? '')?.[1];
  return name ? basename(name) : undefined;
}

export async function downloadCart(cartId: string, options: CartDownloadOptions): Promise<number> {
  const api = apiFromEnvironment();
  checkCartId(cartId);
  if (options.wait) {
    const state = await waitForCart(api, cartId);
    if (state.status === 'error') throw new Error(`cart ${cartId} failed: ${state.message}`);
  }
  const query = options.output ? `?filename=${encodeURIComponent(basename(options.output))}` : '';
  const response = await api.request(`/carts/${cartId}${query}`);
  if (response.status === 202) {
    throw new Error(
      `cart ${cartId} is not ready for download (see bagvault cart status ${cartId}, or use --wait)`,
    );
  }
  const bundle = await followWithoutKey(response, `GET /carts/${cartId}`);
  const target = options.output ?? filenameOf(bundle.headers.get('content-disposition')) ?? `${cartId}.tar`;
  const total = Number(bundle.headers.get('content-length') ?? 0);
  const bar = progressBar('Downloading', total);
  let done = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bar.update((done += chunk.length));
      callback(null, chunk);
    },
  });
  const partial = `${target}.partial`;
  try {
    await pipeline(
      Readable.fromWeb(bundle.body as import('node:stream/web').ReadableStream),
      counter,
      createWriteStream(partial),
    );
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    bar.stop();
  }
  if (total && done !== total) {
    await rm(partial, { force: true });
    throw new Error(`the download ended after ${done} of ${total} bytes`);
  }
  await rename(partial, target);
  if (options.json) console.log(JSON.stringify({ cartId, file: target, bytes: done }));
  else console.log(target);
  return 0;
}

export async function deleteCart(cartId: string, options: { json?: boolean }): Promise<number> {
  const api = apiFromEnvironment();
  const deleted = await api.json<{ message: string }>(`/carts/${checkCartId(cartId)}`, { method: 'DELETE' });
  if (options.json) console.log(JSON.stringify({ cartId, ...deleted }));
  else console.log(deleted.message);
  return 0;
}
