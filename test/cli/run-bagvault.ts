import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { TestStack } from '../support/local-stack.ts';

const NODE = 'node_modules/.bin/node';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment a user of `stack` sets: its URL and the admin key (or `key`). */
export function cliEnvironment(stack: TestStack, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, BAGVAULT_URL: stack.apiUrl, BAGVAULT_KEY: stack.adminKey, ...extra };
}

/** Runs `bin/bagvault.js` as a separate process, as a user would. */
export function bagvault(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(NODE, ['bin/bagvault.js', ...args], { env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

export function spawnBagvault(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(NODE, ['bin/bagvault.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}
