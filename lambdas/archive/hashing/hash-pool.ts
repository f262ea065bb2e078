import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DIGEST_ALGORITHMS, RELATIVE_COST, type DigestAlgorithm, type Digests } from './algorithms.ts';
import { HASH_WORKER_SOURCE } from './hash-worker.ts';
import { PooledStream, type StreamWriter } from './pooled-stream.ts';
import { SlabPool } from './slab-pool.ts';
import { hashFileInline, InlineStream, type StreamHash } from './stream-hash.ts';

export type { StreamHash } from './stream-hash.ts';

export interface HashPoolOptions {
  /**
   * Hashing threads; 0 hashes on the calling thread. Defaults to the cores this process really has
   * (`os.availableParallelism()`, capped in Lambda by the vCPUs its memory size buys; at most 4),
   * and to none on a single core (a Lambda function below 3,538 MB), where a thread would only take
   * turns with the calling one.
   */
  threads?: number;
  /** Size of each shared buffer that carries stream bytes to the threads. */
  slabBytes?: number;
  /** Number of those buffers: bounds the memory held by streams waiting to be hashed. */
  slabCount?: number;
  /**
   * Hash streams on the calling thread while that is cheaper than sending them (default true):
   * small ones (tag files, the files of a short bag: not worth a message, let alone booting threads),
   * and every stream until the threads are up, so that hashing begins with the first byte. The
   * threads are booted once the streams met so far add up to more than a short bag. Tests turn it
   * off to reach the threads.
   */
  inlineCheapStreams?: boolean;
}

/**
 * Hashes byte streams and files on worker threads, so that gunzip (on libuv's pool), tar parsing
 * (on the main thread) and hashing (here) run on different cores, and several algorithms of one
 * file run side by side instead of one after the other.
 *
 * Stream bytes are copied into a small set of SharedArrayBuffer "slabs"; many small files share one
 * slab and one message, which keeps the per-file cost low. Files on disk are read by the threads
 * themselves, so the main thread only hands out paths.
 *
 * Threads start on first need (or `start()`), so that a small bag, or an archive whose single
 * sha256 manifest the calling thread hashes itself, never pays for booting them.
 */
export class HashPool implements StreamWriter {
  readonly threads: number;
  private readonly workers: PoolWorker[] = [];
  private slabs: SlabPool;
  private readonly slabSettings: { bytes: number; count: number };
  private readonly inlineCheapStreams: boolean;
  private started = false;
  /** Threads that have booted and said so. */
  private ready = 0;
  /** Work (bytes × cost) hashed on the calling thread while the threads were not ready. */
  private inlineWork = 0;
  private readonly streams = new Map<number, PooledStream>();
  private readonly fileJobs = new Map<number, FileJob>();
  private fileQueue: FileJob[] = [];
  /** Index of the next job in fileQueue (shift() would make a long queue quadratic). */
  private fileQueueHead = 0;
  private readonly slabBatches = new Map<number, SlabBatch>();
  private batch: OpenBatch | undefined;
  private nextId = 1;
  private flushScheduled = false;
  private pumpScheduled = false;
  private outstanding = 0;
  private failure: Error | undefined;
  private closed = false;

  constructor(options: HashPoolOptions = {}) {
    this.threads = options.threads ?? defaultThreads();
    this.slabSettings = { bytes: options.slabBytes ?? 1 << 20, count: options.slabCount ?? 8 };
    this.slabs = new SlabPool(this.slabSettings.bytes, 0);
    this.inlineCheapStreams = options.inlineCheapStreams ?? true;
  }

  /** Whether the threads have been booted. */
  get running(): boolean {
    return this.started;
  }

  /** Threads booted (or booting) so far. */
  get threadsStarted(): number {
    return this.workers.length;
  }

  /** Whether a thread has booted: work handed to the threads now starts at once. */
  get threadsReady(): boolean {
    return this.ready > 0;
  }

  /**
   * Boot the threads now (they take a few tens of milliseconds), e.g. while a directory is walked:
   * `count` of them (all by default), more if asked again.
   */
  start(count = this.threads): void {
    if (this.closed || this.threads === 0) return;
    if (!this.started) {
      this.started = true;
      this.slabs = new SlabPool(this.slabSettings.bytes, this.slabSettings.count);
    }
    for (let index = this.workers.length; index < Math.min(count, this.threads); index++) {
      this.workers.push(this.startWorker(index));
    }
  }

  // Streams are fed by the calling thread, itself fed by gunzip: with them on a core each, the
  // threads beyond the cores left would only take turns.
  private get streamThreads(): number {
    return Math.max(1, this.threads - 1);
  }

  /**
   * `preferHere`: the calling thread has time to spare (e.g. it waits for gunzip), so a stream that
   * need not wait for the threads is hashed here.
   */
  stream(
    algorithms: readonly DigestAlgorithm[],
    expectedBytes = 0,
    { preferHere = false }: { preferHere?: boolean } = {},
  ): StreamHash {
    if (
      this.threads === 0 ||
      algorithms.length === 0 ||
      (this.inlineCheapStreams && this.inline(algorithms, expectedBytes, preferHere))
    ) {
      return new InlineStream(algorithms);
    }
    // Several algorithms of one stream are hashed side by side: then every thread is worth having.
    this.start(algorithms.length > 1 ? this.threads : this.streamThreads);
    const stream = new PooledStream(this, this.nextId++, this.assign(algorithms, expectedBytes));
    this.streams.set(stream.id, stream);
    this.track(1);
    return stream;
  }

  /** Whether a stream is hashed here; boots the threads once a short bag's worth has gone by. */
  private inline(
    algorithms: readonly DigestAlgorithm[],
    expectedBytes: number,
    preferHere: boolean,
  ): boolean {
    const work = costOf(algorithms) * expectedBytes;
    if (work <= INLINE_STREAM_WORK || (preferHere && work < WAIT_FOR_THREADS_WORK)) return true;
    if (this.ready > 0 || this.closed) return false;
    // A file big enough to wait for a thread: waiting costs less than hashing it all here.
    if (work >= WAIT_FOR_THREADS_WORK) return false;
    this.inlineWork += work;
    if (this.inlineWork >= START_THREADS_WORK) this.start(this.streamThreads);
    return true;
  }

  /**
   * Hash a file on disk (read by a hashing thread). Rejects when the file cannot be read.
   * `preferHere`: the calling thread would only wait for the digests (e.g. a bag's few tag files once
   * its payload is hashed), so a small file is read here rather than sent.
   */
  async hashFile(
    path: string,
    algorithms: readonly DigestAlgorithm[],
    expectedBytes = 0,
    { preferHere = false }: { preferHere?: boolean } = {},
  ): Promise<Digests> {
    if (algorithms.length === 0) return {};
    // Tag files and the files of a small bag: cheaper to read here than to boot a thread for.
    if (
      this.threads === 0 ||
      (!this.started && expectedBytes <= INLINE_FILE_BYTES) ||
      (preferHere && expectedBytes * costOf(algorithms) <= INLINE_STREAM_WORK)
    ) {
      return hashFileInline(path, algorithms);
    }
    // Threads a caller booted itself (e.g. one fewer than the cores, hashing on the last one) stay as
    // many; otherwise every thread is worth having for files.
    if (!this.started) this.start();
    // A big file with several algorithms is read once per thread rather than hashed serially.
    if (algorithms.length > 1 && this.threads > 1 && expectedBytes >= SPLIT_FILE_BYTES) {
      const parts = await Promise.all(algorithms.map((a) => this.enqueueFile(path, [a], expectedBytes)));
      return Object.assign({}, ...parts) as Digests;
    }
    return this.enqueueFile(path, algorithms, expectedBytes);
  }

  async close(): Promise<void> {
    this.closed = true;
    // An unreferenced thread would not keep the process alive until its own exit is reported.
    for (const worker of this.workers) worker.thread.ref();
    await Promise.all(this.workers.map((worker) => worker.thread.terminate()));
    this.fail(new Error('The hash pool was closed'));
  }

  // ---- streams ---------------------------------------------------------------------------------

  /** @internal */
  write(stream: PooledStream, chunk: Uint8Array, from = 0): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    let offset = from;
    while (offset < chunk.length) {
      const batch = this.openBatch();
      if (batch.slab < 0) {
        const slab = this.slabs.tryAcquire();
        if (slab === undefined) {
          return this.slabs.waitForFree().then(() => this.write(stream, chunk, offset));
        }
        batch.slab = slab;
      }
      const room = this.slabs.slabBytes - batch.used;
      const length = Math.min(room, chunk.length - offset);
      this.slabs.view(batch.slab).set(chunk.subarray(offset, offset + length), batch.used);
      addSegment(batch, stream, batch.used, length, false);
      batch.used += length;
      offset += length;
      if (batch.used === this.slabs.slabBytes) this.dispatch();
    }
    return undefined;
  }

  /** @internal */
  finish(stream: PooledStream): void {
    const batch = this.openBatch();
    addSegment(batch, stream, batch.used, 0, true);
    if (++batch.finished >= FLUSH_AFTER_STREAMS) this.dispatch();
    else this.scheduleFlush();
  }

  private openBatch(): OpenBatch {
    this.batch ??= { slab: -1, used: 0, segments: [], finished: 0 };
    return this.batch;
  }

  // Finished streams wait in the open batch for a moment, so that the many small files of an archive
  // travel together: one message per slab rather than one per file.
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      this.dispatch();
    }, FLUSH_DELAY_MS);
  }

  private dispatch(): void {
    const batch = this.batch;
    if (!batch || batch.segments.length === 0) return;
    this.batch = undefined;
    const id = this.nextId++;
    const perWorker = new Map<number, { opens: number[]; segments: number[]; cost: number }>();
    for (const segment of batch.segments) {
      for (const [workerIndex, algorithms] of segment.stream.assignment) {
        let message = perWorker.get(workerIndex);
        if (!message) perWorker.set(workerIndex, (message = { opens: [], segments: [], cost: 0 }));
        if (!segment.stream.opened.has(workerIndex)) {
          segment.stream.opened.add(workerIndex);
          message.opens.push(segment.stream.id, maskOf(algorithms));
        }
        message.segments.push(segment.stream.id, segment.start, segment.length, segment.final ? 1 : 0);
        message.cost += segment.length * costOf(algorithms);
      }
    }
    const record: SlabBatch = { slab: batch.slab, references: perWorker.size, costs: new Map() };
    this.slabBatches.set(id, record);
    for (const [workerIndex, message] of perWorker) {
      const worker = this.workers[workerIndex];
      worker.pendingCost += message.cost;
      record.costs.set(workerIndex, message.cost);
      const opens = Float64Array.from(message.opens);
      const segments = Float64Array.from(message.segments);
      worker.thread.postMessage({ kind: 'slab', batch: id, slab: batch.slab, opens, segments }, [
        opens.buffer,
        segments.buffer,
      ]);
    }
  }

  private onSlabDone(workerIndex: number, batchId: number, digests: string): void {
    const record = this.slabBatches.get(batchId);
    if (record) {
      this.workers[workerIndex].pendingCost -= record.costs.get(workerIndex) ?? 0;
      if (--record.references === 0) {
        this.slabBatches.delete(batchId);
        if (record.slab >= 0) this.slabs.release(record.slab);
      }
    }
    for (const line of digests.split('\n')) {
      if (line === '') continue;
      const [streamId, algorithm, hex] = line.split(' ');
      const stream = this.streams.get(Number(streamId));
      if (stream?.receive(algorithm as DigestAlgorithm, hex)) {
        this.streams.delete(stream.id);
        this.track(-1);
      }
    }
  }

  // Spread a stream's algorithms over the least busy threads, the costliest algorithm first.
  private assign(
    algorithms: readonly DigestAlgorithm[],
    expectedBytes: number,
  ): Map<number, DigestAlgorithm[]> {
    if (algorithms.length === 1) return new Map([[this.leastBusy(), [algorithms[0]]]]);
    const planned = this.workers.map((worker) => worker.pendingCost);
    const assignment = new Map<number, DigestAlgorithm[]>();
    const byCost = [...new Set(algorithms)].sort((a, b) => RELATIVE_COST[b] - RELATIVE_COST[a]);
    for (const algorithm of byCost) {
      let best = 0;
      for (let index = 1; index < planned.length; index++) if (planned[index] < planned[best]) best = index;
      planned[best] += Math.max(expectedBytes, 1) * RELATIVE_COST[algorithm];
      assignment.set(best, [...(assignment.get(best) ?? []), algorithm]);
    }
    return assignment;
  }

  private leastBusy(): number {
    let best = 0;
    for (let index = 1; index < this.workers.length; index++) {
      if (this.workers[index].pendingCost < this.workers[best].pendingCost) best = index;
    }
    return best;
  }

  // ---- files -----------------------------------------------------------------------------------

  private enqueueFile(path: string, algorithms: readonly DigestAlgorithm[], expectedBytes: number) {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Digests>((resolve, reject) => {
      const job: FileJob = {
        id: this.nextId++,
        path,
        algorithms,
        cost: Math.max(expectedBytes, 4096) * costOf(algorithms),
        resolve,
        reject,
      };
      this.fileJobs.set(job.id, job);
      this.fileQueue.push(job);
      this.track(1);
      this.schedulePump();
    });
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  // Keep two batches in flight per thread: one being hashed, one queued behind it, so no thread idles
  // while the main thread sends it more, yet big files still spread across threads.
  private pump(): void {
    while (this.fileQueueHead < this.fileQueue.length) {
      let target: PoolWorker | undefined;
      for (const worker of this.workers) {
        if (worker.fileBatches >= 2) continue;
        if (!target || worker.pendingCost < target.pendingCost) target = worker;
      }
      if (!target) return;
      const files: [number, string, number][] = [];
      let cost = 0;
      while (
        this.fileQueueHead < this.fileQueue.length &&
        files.length < FILE_BATCH_COUNT &&
        cost < FILE_BATCH_COST
      ) {
        const job = this.fileQueue[this.fileQueueHead++];
        files.push([job.id, job.path, maskOf(job.algorithms)]);
        cost += job.cost;
      }
      target.fileBatches++;
      target.pendingCost += cost;
      target.thread.postMessage({ kind: 'files', batch: this.nextId++, files, cost });
      target.fileBatchCosts.push(cost);
    }
    this.fileQueue = [];
    this.fileQueueHead = 0;
  }

  private onFilesDone(workerIndex: number, results: [number, Record<string, string>][]): void {
    const worker = this.workers[workerIndex];
    worker.fileBatches--;
    worker.pendingCost -= worker.fileBatchCosts.shift() ?? 0;
    for (const [jobId, result] of results) {
      const job = this.fileJobs.get(jobId);
      if (!job) continue;
      this.fileJobs.delete(jobId);
      this.track(-1);
      if ('error' in result) job.reject(new Error(result.error));
      else job.resolve(result as Digests);
    }
    this.pump();
  }

  // ---- threads ---------------------------------------------------------------------------------

  private startWorker(index: number): PoolWorker {
    const thread = new Worker(HASH_WORKER_SOURCE, { eval: true });
    thread.postMessage({ kind: 'init', slabs: this.slabs.buffers, algorithms: DIGEST_ALGORITHMS });
    thread.on('message', (message) => {
      if (message.kind === 'ready') this.ready++;
      else if (message.kind === 'slab-done') this.onSlabDone(index, message.batch, message.digests);
      else if (message.kind === 'files-done') this.onFilesDone(index, message.results);
    });
    thread.on('error', (error) => this.fail(error));
    thread.unref();
    return { thread, pendingCost: 0, fileBatches: 0, fileBatchCosts: [] };
  }

  // Threads keep the process alive only while they owe us digests.
  private track(delta: number): void {
    const before = this.outstanding;
    this.outstanding += delta;
    if (this.closed) return;
    if (before === 0 && this.outstanding > 0) for (const worker of this.workers) worker.thread.ref();
    if (before > 0 && this.outstanding === 0) for (const worker of this.workers) worker.thread.unref();
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const stream of this.streams.values()) stream.fail(error);
    for (const job of this.fileJobs.values()) job.reject(error);
    this.streams.clear();
    this.fileJobs.clear();
    this.fileQueue = [];
    this.fileQueueHead = 0;
    this.track(-this.outstanding);
    this.slabs.wakeAll();
  }
}

const SPLIT_FILE_BYTES = 16 << 20;
// Bytes × RELATIVE_COST up to which a stream is always hashed where it is: the copy into a shared
// buffer and the message cost about what hashing it here does.
const INLINE_STREAM_WORK = 256 << 10;
// Streamed work after which the threads are booted (a short bag never pays for them) ...
const START_THREADS_WORK = 8 << 20;
// ... and from which one stream waits for them rather than being hashed here.
const WAIT_FOR_THREADS_WORK = 64 << 20;
// A file hashed alone gains nothing from a thread: below this (a few ms of hashing) it is hashed here.
const INLINE_FILE_BYTES = 8 << 20;
const FLUSH_AFTER_STREAMS = 256;
const FLUSH_DELAY_MS = 2;
const FILE_BATCH_COST = 8 << 20;
const FILE_BATCH_COUNT = 256;

interface PoolWorker {
  thread: Worker;
  /** Bytes × algorithm cost sent to the thread and not yet hashed. */
  pendingCost: number;
  fileBatches: number;
  fileBatchCosts: number[];
}

interface Segment {
  stream: PooledStream;
  start: number;
  length: number;
  final: boolean;
}

interface OpenBatch {
  slab: number;
  used: number;
  segments: Segment[];
  /** Streams that ended in this batch. */
  finished: number;
}

interface SlabBatch {
  slab: number;
  references: number;
  costs: Map<number, number>;
}

interface FileJob {
  id: number;
  path: string;
  algorithms: readonly DigestAlgorithm[];
  cost: number;
  resolve: (digests: Digests) => void;
  reject: (error: Error) => void;
}

function addSegment(batch: OpenBatch, stream: PooledStream, start: number, length: number, final: boolean) {
  const last = batch.segments.at(-1);
  if (last && last.stream === stream && !last.final && last.start + last.length === start) {
    last.length += length;
    last.final = final;
  } else {
    batch.segments.push({ stream, start, length, final });
  }
}

function defaultThreads(): number {
  return hashThreadsFor(usableCores(availableParallelism(), process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE));
}

// Lambda shows its host's cores to every function but grants CPU in proportion to memory: one full
// vCPU per 1,769 MB (AWS Lambda developer guide, "Memory and computing power").
const LAMBDA_MB_PER_VCPU = 1769;

/** Cores this process may really use: what the OS reports, capped in Lambda by the memory size. */
export function usableCores(reported: number, lambdaMemoryMb?: string): number {
  const memory = Number(lambdaMemoryMb);
  if (!lambdaMemoryMb || !Number.isFinite(memory) || memory <= 0) return reported;
  return Math.max(1, Math.min(reported, Math.floor(memory / LAMBDA_MB_PER_VCPU)));
}

/** Hashing threads worth having with this many cores (one core: none, the calling thread hashes). */
export function hashThreadsFor(cores: number): number {
  return cores <= 1 ? 0 : Math.min(4, cores);
}

function maskOf(algorithms: readonly DigestAlgorithm[]): number {
  return algorithms.reduce((mask, algorithm) => mask | (1 << DIGEST_ALGORITHMS.indexOf(algorithm)), 0);
}

function costOf(algorithms: readonly DigestAlgorithm[]): number {
  return algorithms.reduce((sum, algorithm) => sum + RELATIVE_COST[algorithm], 0);
}
