import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { ThreadedServer } from './server-thread.ts';

/** The worker side of local/server-thread.ts: starts one server, reports where it listens, closes it on request. */
const { module, options, name } = workerData as { module: string; options: unknown; name: string };
const port = parentPort as NonNullable<typeof parentPort>;
nameThread(name);
try {
  const { start } = (await import(module)) as {
    start(options: unknown, log: (line: string) => void): Promise<ThreadedServer>;
  };
  // Log lines go to the thread that started the server, which owns where they are written.
  const server = await start(options, (line) => port.postMessage({ log: line }));
  port.on('message', (message) => {
    if (message !== 'close') return;
    server.close().finally(() => process.exit(0));
  });
  port.postMessage({ listening: server.endpoint });
} catch (error) {
  const { name, message, code, stack } = error as NodeJS.ErrnoException;
  port.postMessage({ error: { name, message, code, stack } });
}

/**
 * The thread's name as the system shows it (`top -H`, /proc/PID/task/TID/comm; otherwise every
 * worker is "node"), so that CPU time can be told apart per server. Linux only; elsewhere unnamed.
 */
function nameThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // not Linux: the name only helps measurements
  }
}
