import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import packageJson from '../../package.json' with { type: 'json' };
import type { freePorts } from './local-stack.ts';

/**
 * Runs the local stack as its own process with the command `npm start` runs, without npm in
 * between (so a signal reaches the stack itself), on the given ports and home.
 */
export function spawnLocalStack(options: {
  home: string;
  ports: Awaited<ReturnType<typeof freePorts>>;
  adminKey: string;
  env?: NodeJS.ProcessEnv;
  stdio: StdioOptions;
}): ChildProcess {
  const [, ...startArguments] = packageJson.scripts.start.split(' ');
  return spawn(process.execPath, startArguments, {
    env: {
      ...process.env,
      BAGVAULT_HOME: options.home,
      BAGVAULT_PORT: String(options.ports.apiPort),
      BAGVAULT_S3_PORT: String(options.ports.s3Port),
      BAGVAULT_DYNAMODB_PORT: String(options.ports.dynamoDBPort),
      BAGVAULT_SFN_PORT: String(options.ports.stepFunctionsPort),
      BAGVAULT_ADMIN_KEY: options.adminKey,
      ...options.env,
    },
    stdio: options.stdio,
  });
}
