import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { close, listen } from './listen.ts';
import { startServerThread, type ServerThread, type ThreadedServer } from './server-thread.ts';

export interface DynamoDBServerOptions {
  port: number;
  directory: string;
}

/** A real DynamoDB protocol server (dynalite) storing its LevelDB under `directory`, in this thread. */
export async function start(options: DynamoDBServerOptions): Promise<ThreadedServer> {
  await mkdir(options.directory, { recursive: true });
  const server: Server = dynalite({
    path: options.directory,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await listen(server, options.port, 'DynamoDB', 'BAGVAULT_DYNAMODB_PORT');
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    close: () => close(server),
  };
}

/** The local DynamoDB in its own thread (local/server-thread.ts). */
export function startDynamoDBServer(options: DynamoDBServerOptions): Promise<ServerThread> {
  return startServerThread('DynamoDB', new URL(import.meta.url), options);
}
