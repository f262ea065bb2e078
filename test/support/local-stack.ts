import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkContract } from './api-contract.ts';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function freePorts() {
  return {
    apiPort: await freePort(),
    s3Port: await freePort(),
    dynamoDBPort: await freePort(),
    stepFunctionsPort: await freePort(),
  };
}

export interface TestStack extends LocalStack {
  /** Same stack, restarted on the same ports and home (data must survive). */
  restart(): Promise<TestStack>;
  /** Stops the stack and removes its temporary home. */
  destroy(): Promise<void>;
  api(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
}

/**
 * Test files run in parallel, so a port found free may be taken before the stack binds it: then try
 * again on other ports (unless the test chose the ports itself).
 */
async function startWithRetries(options: LocalStackOptions, overrides: Partial<LocalStackOptions>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startLocalStack(options);
    } catch (error) {
      const portClash = (error as Error).message.includes('already in use');
      if (!portClash || overrides.apiPort !== undefined || attempt === 3) throw error;
      Object.assign(options, await freePorts());
    }
  }
}

/** Boots the whole local stack on free ports in a fresh temporary directory, as a user would run it. */
export async function startTestStack(overrides: Partial<LocalStackOptions> = {}): Promise<TestStack> {
  const home = overrides.home ?? (await mkdtemp(join(tmpdir(), 'bagvault-test-')));
  const options: LocalStackOptions = {
    home,
    ...(await freePorts()),
    adminKey: 'admin:test-admin-secret-0123456789',
    // In-process, so tests can inject faults into the clients the API handlers use.
    apiThread: false,
    ...overrides,
    settings: { allowLoopbackCallbacks: 'true', ...overrides.settings },
  };
  const stack = await startWithRetries(options, overrides);
  const wrapped: TestStack = {
    ...stack,
    restart: async () => {
      await stack.stop();
      return startTestStack(options);
    },
    destroy: async () => {
      // Let workflows that are still running (e.g. a callback after the final status) finish first.
      await Promise.race([
        stack.stepFunctions.drain(),
        new Promise((resolve) => setTimeout(resolve, 30_000)),
      ]);
      await stack.stop();
      await rm(home, { recursive: true, force: true });
    },
    api: async (path, init = {}) => {
      const { key = stack.adminKey, headers, ...rest } = init;
      const allHeaders = new Headers(headers);
      if (key !== null) allHeaders.set('authorization', `ApiKey ${key}`);
      const response = await fetch(`${stack.apiUrl}${path}`, {
        ...rest,
        headers: allHeaders,
        redirect: 'manual',
      });
      // Every response an integration test receives must be one the OpenAPI document allows.
      await checkContract(rest.method ?? 'GET', new URL(path, stack.apiUrl).pathname, response);
      return response;
    },
  };
  return wrapped;
}
