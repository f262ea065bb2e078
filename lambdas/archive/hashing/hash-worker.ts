/**
 * The code a hashing thread runs. It is shipped to the thread as source text (`eval` workers), not as
 * a file path, so the module survives bundling for Lambda unchanged. That is also why the function
 * must not refer to anything outside its own body.
 *
 * Messages in:
 *   { kind: 'slabs', slabs: SharedArrayBuffer[] }                       once, at start
 *   { kind: 'slab', batch, slab, opens: [id, 'sha256,md5'][], segments: [id, start, length, final, ...] }
 *   { kind: 'files', batch, files: [id, absolutePath, 'sha256,md5'][] }
 * Messages out:
 *   { kind: 'slab-done', batch, digests: [id, algorithm, hex][] }
 *   { kind: 'files-done', batch, results: [id, { sha256: hex } | { error: message }][] }
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
  const readBuffer = Buffer.allocUnsafe(4 * 1024 * 1024);

  function openHashers(algorithms: string): Hasher[] {
    return algorithms.split(',').map((algorithm) => ({ algorithm, hash: createHash(algorithm) }));
  }

  function hashSlab(message: { batch: number; slab: number; opens: [number, string][]; segments: number[] }) {
    for (const [id, algorithms] of message.opens) streams.set(id, openHashers(algorithms));
    const slab = slabs[message.slab];
    const digests: [number, string, string][] = [];
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
        for (const hasher of hashers) digests.push([id, hasher.algorithm, hasher.hash.digest('hex')]);
        streams.delete(id);
      }
    }
    port.postMessage({ kind: 'slab-done', batch: message.batch, digests });
  }

  function hashFile(path: string, algorithms: string): Record<string, string> {
    const hashers = openHashers(algorithms);
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

  function hashFiles(message: { batch: number; files: [number, string, string][] }) {
    const results: [number, Record<string, string>][] = [];
    for (const [id, path, algorithms] of message.files) {
      try {
        results.push([id, hashFile(path, algorithms)]);
      } catch (error) {
        results.push([id, { error: (error as Error).message }]);
      }
    }
    port.postMessage({ kind: 'files-done', batch: message.batch, results });
  }

  port.on('message', (message) => {
    if (message.kind === 'slabs') slabs = message.slabs;
    else if (message.kind === 'slab') hashSlab(message);
    else if (message.kind === 'files') hashFiles(message);
  });
}

export const HASH_WORKER_SOURCE = `(${hashWorker.toString()})()`;
