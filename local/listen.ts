import type { Server } from 'node:http';

/** Thrown when a port is taken, so `npm start` can say which and how to choose another. */
export class PortInUseError extends Error {
  constructor(service: string, port: number, variable?: string) {
    super(
      `Port ${port} for the local ${service} is already in use.` +
        (variable ? ` Stop whatever holds it or choose another port with ${variable}=<port>.` : ''),
    );
    this.name = 'PortInUseError';
  }
}

export function listen(server: Server, port: number, service: string, variable?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(service, port, variable) : error);
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Closes a server and every connection it still holds, so the port is free when this resolves. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
