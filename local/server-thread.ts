import { SHARE_ENV, Worker } from 'node:worker_threads';

/**
 * A server module runnable in its own thread: `start(options, log)` resolves once it listens; what it
 * passes to `log` reaches the starting thread's `onLog`.
 */
export interface ThreadedServer {
  endpoint: string;
  close(): Promise<void>;
}

export interface ServerThread extends ThreadedServer {
  /** Settles only if the thread dies while it should be serving (a crash, an uncaught error). */
  failed: Promise<Error>;
  /** Ends the thread at once, without closing anything, as a crash would (fault injection in tests). */
  kill(): Promise<void>;
}

interface SerialisedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/**
 * Runs a server in a worker thread, so the requests it answers (s3rver's file system work, dynalite's
 * LevelDB) run beside the workflows and the API instead of taking turns with them on one event loop.
 * `module` exports `start(options): Promise<ThreadedServer>` (local/server-thread-entry.ts calls it).
 */
export function startServerThread(
  name: string,
  module: URL,
  options: unknown,
  { shareEnvironment = false, onLog }: { shareEnvironment?: boolean; onLog?: (line: string) => void } = {},
): Promise<ServerThread> {
  const worker = new Worker(new URL('./server-thread-entry.ts', import.meta.url), {
    workerData: { module: module.href, options, name },
    name,
    // Shared: settings changed later (tests, the cursor secret) reach handlers running in the thread.
    ...(shareEnvironment ? { env: SHARE_ENV } : {}),
  });
  let closing = false;
  let reportFailure: (error: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  return new Promise<ServerThread>((resolve, reject) => {
    let started = false;
    const fail = (error: Error) => {
      if (closing) return;
      closing = true;
      if (started) reportFailure(error);
      else reject(error);
    };
    worker.on('error', (error) =>
      fail(new Error(`The local ${name} crashed: ${error.message}`, { cause: error })),
    );
    worker.on('exit', (code) =>
      fail(new Error(`The local ${name} stopped unexpectedly (exit code ${code})`)),
    );
    worker.on('message', (message: { listening?: string; log?: string; error?: SerialisedError }) => {
      if (message.log !== undefined) {
        onLog?.(message.log);
        return;
      }
      if (message.error) {
        closing = true;
        void worker.terminate();
        reject(Object.assign(new Error(message.error.message), message.error));
        return;
      }
      if (!message.listening) return;
      started = true;
      resolve({
        endpoint: message.listening,
        failed,
        kill: async () => {
          await worker.terminate();
        },
        close: async () => {
          if (closing) return;
          closing = true;
          const exited = new Promise<void>((done) => worker.once('exit', () => done()));
          worker.postMessage('close');
          // A server that cannot close within its grace period is stopped with its thread.
          const timer = setTimeout(() => void worker.terminate(), 10_000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}
