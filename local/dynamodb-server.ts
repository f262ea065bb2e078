import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { listen } from './listen.ts';

export interface LocalDynamoDB {
  endpoint: string;
  close(): Promise<void>;
}

/** A real DynamoDB protocol server (dynalite) storing its LevelDB under `directory`. */
export async function startDynamoDBServer(options: {
  port: number;
  directory: string;
}): Promise<LocalDynamoDB> {
  await mkdir(options.directory, { recursive: true });
  const server: Server = dynalite({
    path: options.directory,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await listen(server, options.port, 'DynamoDB');
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
