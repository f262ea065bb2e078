/**
 * The code a hashing thread runs. It is shipped to the thread as source text (`eval` workers), not as
 * a file path, so the module survives bundling for Lambda unchanged. That is also why the function
 * must not refer to anything outside its own body.
 *
 * Messages in (algorithms travel as bit masks over the `algorithms` list given at start):
 *   { kind: 'init', slabs: SharedArrayBuffer[], algorithms: string[] }                    once
 *   { kind: 'slab', batch, slab, opens: Float64Array [id, mask]…, segments: Float64Array [id, start, length, final]… }
 *   { kind: 'files', batch, files: [id, absolutePath, mask][] }
 * Messages out:
 *   { kind: 'ready' }                                                                       once, after init
 *   { kind: 'slab-done', batch, digests: "id algorithm hex\n…" }
 *   { kind: 'files-done', batch, results: [id, { sha256: hex } | { error: message }][] }
 * Typed arrays and one string keep the structured-clone cost per message flat however many small
 * files a slab carries.
 */
export function hashWorker(): void {
  const { parentPort } = process.getBuiltinModule('node:worker_threads');
  const { createHash } = process.getBuiltinModule('node:crypto');
  const fs = process.getBuiltinModule('node:fs');
  if (!parentPort) return;
  const port = parentPort;

  type Hasher = { algorithm: string; hash: ReturnType<typeof createHash> };
  const streams = new Map<number, Hasher[]>();
  let slabs: SharedArrayBuffer[] = [];
  let algorithms: string[] = [];
  const readBuffer = Buffer.allocUnsafe(4 * 1024 * 1024);

  function openHashers(mask: number): Hasher[] {
    const hashers: Hasher[] = [];
    algorithms.forEach((algorithm, bit) => {
      if (mask & (1 << bit)) hashers.push({ algorithm, hash: createHash(algorithm) });
    });
    return hashers;
  }

  function hashSlab(message: { batch: number; slab: number; opens: Float64Array; segments: Float64Array }) {
    const opens = message.opens;
    for (let i = 0; i < opens.length; i += 2) streams.set(opens[i], openHashers(opens[i + 1]));
    const slab = slabs[message.slab];
    let digests = '';
    const segments = message.segments;
    for (let i = 0; i < segments.length; i += 4) {
      const id = segments[i];
      const hashers = streams.get(id);
      if (!hashers) continue;
      const length = segments[i + 2];
      if (length > 0) {
        const view = new Uint8Array(slab, segments[i + 1], length);
        for (const hasher of hashers) hasher.hash.update(view);
      }
      if (segments[i + 3] === 1) {
        for (const hasher of hashers) digests += `${id} ${hasher.algorithm} ${hasher.hash.digest('hex')}\n`;
        streams.delete(id);
      }
    }
    port.postMessage({ kind: 'slab-done', batch: message.batch, digests });
  }

  function hashFile(path: string, mask: number): Record<string, string> {
    const hashers = openHashers(mask);
    const fd = fs.openSync(path, 'r');
    try {
      for (;;) {
        const read = fs.readSync(fd, readBuffer, 0, readBuffer.length, null);
        if (read === 0) break;
        const chunk = readBuffer.subarray(0, read);
        for (const hasher of hashers) hasher.hash.update(chunk);
      }
    } finally {
      fs.closeSync(fd);
    }
    const digests: Record<string, string> = {};
    for (const hasher of hashers) digests[hasher.algorithm] = hasher.hash.digest('hex');
    return digests;
  }

  function hashFiles(message: { batch: number; files: [number, string, number][] }) {
    const results: [number, Record<string, string>][] = [];
    for (const [id, path, mask] of message.files) {
      try {
        results.push([id, hashFile(path, mask)]);
      } catch (error) {
        results.push([id, { error: (error as Error).message }]);
      }
    }
    port.postMessage({ kind: 'files-done', batch: message.batch, results });
  }

  port.on('message', (message) => {
    if (message.kind === 'init') {
      ({ slabs, algorithms } = message);
      port.postMessage({ kind: 'ready' });
    } else if (message.kind === 'slab') hashSlab(message);
    else if (message.kind === 'files') hashFiles(message);
  });
}

export const HASH_WORKER_SOURCE = `(${hashWorker.toString()})()`;
