import { startHttpGateway } from './http-gateway.ts';
import { startServerThread, type ServerThread, type ThreadedServer } from './server-thread.ts';

/** The HTTP API in this thread (local/server-thread-entry.ts calls it in the API's own thread). */
export async function start(
  options: { port: number; log: boolean },
  log: (line: string) => void,
): Promise<ThreadedServer> {
  const gateway = await startHttpGateway({ port: options.port, ...(options.log ? { log } : {}) });
  return { endpoint: gateway.url, close: gateway.close };
}

/**
 * The HTTP API in its own thread, so requests are answered while the workflows keep the stack's main
 * thread busy with an ingest. It shares the main thread's environment (the handlers' configuration).
 */
export function startHttpGatewayThread(options: {
  port: number;
  log?: (line: string) => void;
}): Promise<ServerThread> {
  return startServerThread(
    'HTTP API',
    new URL(import.meta.url),
    { port: options.port, log: options.log !== undefined },
    { shareEnvironment: true, onLog: options.log },
  );
}
