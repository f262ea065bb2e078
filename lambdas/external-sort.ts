import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one sorted run may hold in memory before it goes to disk (string lengths, roughly bytes). */
export const DEFAULT_RUN_CHARS = 2 << 20;

// Items handed out together by sortedBatches() once runs are merged from disk.
const MERGED_BATCH = 1024;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Sorts more items than memory should hold: items are kept as JSON lines in runs of bounded size,
 * each run sorted and written to a temporary directory, and the runs merged as they are read back.
 * Keys compare by UTF-16 code units (as `<` does); equal keys keep the order they were added in.
 * A sort that fits in one run never touches the disk.
 *
 * The `JSON.parse(…) as T` casts read back lines this process wrote moments before, with
 * JSON.stringify of a T, into its own temporary files: nothing else writes there.
 */
export class ExternalSorter<T> {
  private readonly keyOf: (item: T) => string;
  private readonly runChars: number;
  private readonly sizeOf: (item: T) => number;
  // Items are kept as they are while in memory and turned into JSON only when their run is written.
  private run: { key: string; item: T }[] = [];
  private runSize = 0;
  private readonly runFiles: string[] = [];
  private directory: string | undefined;
  private count = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Adds waiting behind a run being written: until they are in, new adds queue behind them. */
  private queued = 0;
  private spilling = false;

  /** `sizeOf`: an item's size in the units of `runChars`; by default the length of its JSON. */
  constructor(keyOf: (item: T) => string, options: { runChars?: number; sizeOf?: (item: T) => number } = {}) {
    this.keyOf = keyOf;
    this.runChars = options.runChars ?? DEFAULT_RUN_CHARS;
    this.sizeOf = options.sizeOf ?? ((item) => JSON.stringify(item).length);
  }

  /** How many items were added. */
  get size(): number {
    return this.count;
  }

  /** How many runs went to disk so far. */
  get spilledRuns(): number {
    return this.runFiles.length;
  }

  /**
   * Safe to call concurrently: a run going to disk holds back the next adds until it is written.
   * Returns undefined when the item is already kept (in memory, nothing ahead of it), else a promise
   * to wait for: a caller adding many items need not await each one.
   */
  add(item: T): Promise<void> | undefined {
    const key = this.keyOf(item);
    this.count++;
    if (!this.spilling && this.queued === 0) {
      // The common case, in memory with nothing ahead of it: no promise chain per item.
      this.keep(key, item);
      if (this.runSize < this.runChars) return undefined;
      this.spilling = true;
      this.writing = this.spill().finally(() => (this.spilling = false));
      return this.writing;
    }
    this.queued++;
    this.writing = this.writing.then(async () => {
      this.queued--;
      this.keep(key, item);
      if (this.runSize >= this.runChars) await this.spill();
    });
    return this.writing;
  }

  private keep(key: string, item: T): void {
    this.run.push({ key, item });
    this.runSize += key.length + this.sizeOf(item) + 64;
  }

  /** Every item added, in key order. Call once; the temporary files are removed when it ends. */
  async *sorted(): AsyncGenerator<T> {
    for await (const batch of this.sortedBatches()) yield* batch;
  }

  /**
   * Like sorted(), a batch at a time (the whole run when it stayed in memory): a caller that takes
   * many small items pays for one await per batch rather than per item.
   */
  async *sortedBatches(): AsyncGenerator<readonly T[]> {
    await this.writing;
    try {
      if (this.runFiles.length === 0) {
        yield this.sortedRun().map((entry) => entry.item);
        return;
      }
      await this.spill();
      let batch: T[] = [];
      for await (const item of mergeRuns<T>(this.runFiles)) {
        batch.push(item);
        if (batch.length === MERGED_BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      await this.dispose();
    }
  }

  /** Removes the temporary files (for a sort abandoned before reading it to the end). */
  async dispose(): Promise<void> {
    this.run = [];
    if (this.directory) await rm(this.directory, { recursive: true, force: true });
    this.directory = undefined;
  }

  private sortedRun() {
    const run = this.run;
    this.run = [];
    this.runSize = 0;
    return run.sort((a, b) => compare(a.key, b.key));
  }

  private async spill(): Promise<void> {
    if (this.run.length === 0) return;
    this.directory ??= await mkdtemp(join(tmpdir(), 'bagvault-sort-'));
    const path = join(this.directory, `run-${this.runFiles.length}`);
    const out = createWriteStream(path);
    let batch = '';
    for (const { key, item } of this.sortedRun()) {
      batch += `${JSON.stringify([key, item])}\n`;
      if (batch.length >= 1 << 16) {
        if (!out.write(batch)) await once(out, 'drain');
        batch = '';
      }
    }
    out.end(batch);
    await once(out, 'finish');
    this.runFiles.push(path);
  }
}

interface RunHead {
  key: string;
  item: unknown;
  run: number;
  lines: AsyncIterator<string>;
}

async function* mergeRuns<T>(files: readonly string[]): AsyncGenerator<T> {
  const heap: RunHead[] = [];
  const before = (a: RunHead, b: RunHead) => a.key < b.key || (a.key === b.key && a.run < b.run);
  const push = (head: RunHead) => {
    heap.push(head);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as RunHead, heap[parent] as RunHead)) break;
      [heap[i], heap[parent]] = [heap[parent] as RunHead, heap[i] as RunHead];
      i = parent;
    }
  };
  const pop = (): RunHead => {
    const top = heap[0] as RunHead;
    const last = heap.pop() as RunHead;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < heap.length && before(heap[left] as RunHead, heap[least] as RunHead)) least = left;
        if (right < heap.length && before(heap[right] as RunHead, heap[least] as RunHead)) least = right;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least] as RunHead, heap[i] as RunHead];
        i = least;
      }
    }
    return top;
  };
  const advance = async (run: number, lines: AsyncIterator<string>) => {
    const next = await lines.next();
    if (next.done) return;
    const [key, item] = JSON.parse(next.value) as [string, unknown];
    push({ key, item, run, lines });
  };
  const readers = files.map((file) => readLines(file));
  try {
    for (const [run, reader] of readers.entries()) await advance(run, reader);
    while (heap.length > 0) {
      const head = pop();
      yield head.item as T;
      await advance(head.run, head.lines);
    }
  } finally {
    for (const reader of readers) await reader.return(undefined);
  }
}

/** The lines of a file of JSON lines (JSON escapes every line break inside a value). */
async function* readLines(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path, { highWaterMark: 1 << 16, encoding: 'utf8' });
  let pending = '';
  try {
    for await (const chunk of stream) {
      pending += chunk as string;
      const lines = pending.split('\n');
      pending = lines.pop() as string;
      yield* lines;
    }
    if (pending !== '') yield pending;
  } finally {
    stream.destroy();
  }
}

/**
 * Items kept in the order added, to be read back as often as needed: in memory while they fit in one
 * run, then appended to a temporary file as JSON lines. `dispose` removes the file.
 */
export class Spool<T> {
  private readonly runChars: number;
  private memory: T[] = [];
  private memoryChars = 0;
  private pending = '';
  private file: string | undefined;
  private directory: string | undefined;
  private out: ReturnType<typeof createWriteStream> | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Adds not done yet: until they are, new adds queue behind them. */
  private queued = 0;
  private readonly sizeOf: (item: T) => number;

  /** `sizeOf`: an item's size in the units of `runChars`; by default the length of its JSON. */
  constructor(options: { runChars?: number; sizeOf?: (item: T) => number } = {}) {
    this.runChars = options.runChars ?? DEFAULT_RUN_CHARS;
    this.sizeOf = options.sizeOf ?? ((item) => JSON.stringify(item).length);
  }

  /**
   * Safe to call concurrently; items keep the order of the calls. Returns undefined when the item is
   * already kept (in memory, nothing ahead of it), else a promise to wait for.
   */
  add(item: T): Promise<void> | undefined {
    if (!this.out && this.queued === 0) {
      const size = this.sizeOf(item) + 64;
      if (this.memoryChars + size < this.runChars) {
        this.memory.push(item);
        this.memoryChars += size;
        return undefined;
      }
    }
    this.queued++;
    this.writing = this.writing.then(() => {
      this.queued--;
      return this.append(item);
    });
    return this.writing;
  }

  private async append(item: T): Promise<void> {
    if (!this.out) {
      this.memory.push(item);
      this.memoryChars += this.sizeOf(item) + 64;
      if (this.memoryChars < this.runChars) return;
      this.directory = await mkdtemp(join(tmpdir(), 'bagvault-spool-'));
      this.file = join(this.directory, 'items');
      this.out = createWriteStream(this.file);
      for (const kept of this.memory) await this.write(JSON.stringify(kept));
      this.memory = [];
      return;
    }
    await this.write(JSON.stringify(item));
  }

  /** Call once everything is added. */
  async close(): Promise<void> {
    await this.writing;
    if (!this.out) return;
    const out = this.out;
    out.end(this.pending);
    this.pending = '';
    await once(out, 'finish');
  }

  async *items(): AsyncGenerator<T> {
    if (!this.file) {
      yield* this.memory;
      return;
    }
    for await (const line of readLines(this.file)) yield JSON.parse(line) as T;
  }

  async dispose(): Promise<void> {
    this.memory = [];
    if (this.out && !this.out.closed) this.out.destroy();
    if (this.directory) await rm(this.directory, { recursive: true, force: true });
    this.directory = undefined;
    this.file = undefined;
  }

  private async write(line: string): Promise<void> {
    this.pending += `${line}\n`;
    if (this.pending.length < 1 << 16) return;
    const out = this.out as ReturnType<typeof createWriteStream>;
    const ok = out.write(this.pending);
    this.pending = '';
    if (!ok) await once(out, 'drain');
  }
}
