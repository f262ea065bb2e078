#!/usr/bin/env node
/**
 * The `bagvault` command. Each command is loaded only when used, so `bagvault validate` starts fast.
 * A command module exports `run(args): Promise<number>` returning the exit code.
 */
const commands: Record<string, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  validate: () => import('../cli/validate.ts'),
  admin: () => import('../cli/admin.ts'),
};

const USAGE = `Usage: bagvault <command> [options]

Commands:
  validate PATH [--quiet]     validate a bag directory or .tar.gz (RFC 8493)
  admin create-key ...        create an API key (prints it once)`;

const [name, ...args] = process.argv.slice(2);
const load = name ? commands[name] : undefined;
if (!load) {
  console.error(USAGE);
  process.exitCode = 2;
} else {
  process.exitCode = await (await load()).run(args);
}
