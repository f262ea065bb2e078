/**
 * A sorted set of strings kept as a list of small sorted chunks, so adding or removing one key moves
 * at most one chunk's entries (not the whole set's) and iterating from any key starts with two
 * binary searches. Order is JavaScript's string order (UTF-16 code units), which is S3's UTF-8 byte
 * order for every key without characters beyond U+FFFF.
 */
const CHUNK = 512;

export class SortedKeys {
  private chunks: string[][] = [];
  private count = 0;

  constructor(keys: Iterable<string> = []) {
    const sorted = [...new Set(keys)].sort(compare);
    for (let start = 0; start < sorted.length; start += CHUNK)
      this.chunks.push(sorted.slice(start, start + CHUNK));
    this.count = sorted.length;
  }

  get size(): number {
    return this.count;
  }

  add(key: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return;
    }
    const chunkIndex = Math.min(this.firstChunkNotBefore(key), this.chunks.length - 1);
    const chunk = this.chunks[chunkIndex] as string[];
    const at = lowerBound(chunk, key);
    if (chunk[at] === key) return;
    chunk.splice(at, 0, key);
    this.count++;
    if (chunk.length > 2 * CHUNK) this.chunks.splice(chunkIndex + 1, 0, chunk.splice(CHUNK));
  }

  delete(key: string): boolean {
    const chunkIndex = this.firstChunkNotBefore(key);
    const chunk = this.chunks[chunkIndex];
    if (!chunk) return false;
    const at = lowerBound(chunk, key);
    if (chunk[at] !== key) return false;
    chunk.splice(at, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(chunkIndex, 1);
    return true;
  }

  has(key: string): boolean {
    const chunk = this.chunks[this.firstChunkNotBefore(key)];
    return chunk !== undefined && chunk[lowerBound(chunk, key)] === key;
  }

  /** The keys from `start` on (or only those after it, when `exclusive`), in order. */
  *from(start: string, exclusive: boolean): Generator<string> {
    let chunkIndex = exclusive ? this.firstChunkAfter(start) : this.firstChunkNotBefore(start);
    const first = this.chunks[chunkIndex];
    if (!first) return;
    let at = exclusive ? upperBound(first, start) : lowerBound(first, start);
    for (; chunkIndex < this.chunks.length; chunkIndex++, at = 0) {
      const chunk = this.chunks[chunkIndex] as string[];
      for (; at < chunk.length; at++) yield chunk[at] as string;
    }
  }

  /** Index of the first chunk whose last key is ≥ key (chunks.length when none is). */
  private firstChunkNotBefore(key: string): number {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (lastOf(this.chunks[middle] as string[]) < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Index of the first chunk whose last key is > key. */
  private firstChunkAfter(key: string): number {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (lastOf(this.chunks[middle] as string[]) <= key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lastOf(chunk: string[]): string {
  return chunk[chunk.length - 1] as string;
}

function lowerBound(chunk: string[], key: string): number {
  let low = 0;
  let high = chunk.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((chunk[middle] as string) < key) low = middle + 1;
    else high = middle;
  }
  return low;
}

function upperBound(chunk: string[], key: string): number {
  let low = 0;
  let high = chunk.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((chunk[middle] as string) <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}
