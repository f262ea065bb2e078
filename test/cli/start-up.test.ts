import { execFile, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const NODE = 'node_modules/.bin/node';

/** The modules a `node` run resolves, through the test/cli/module-log.ts hook. */
function modulesOf(args: string[]): Promise<{ code: number; modules: string[] }> {
  return new Promise((resolve) => {
    execFile(NODE, ['--import', './test/cli/module-log.ts', ...args], (error, _stdout, stderr) => {
      const modules = stderr
        .split('\n')
        .filter((line) => line.startsWith('loaded: '))
        .map((line) => line.slice('loaded: '.length));
      resolve({ code: error ? (error.code as number) : 0, modules });
    });
  });
}

/** What `--help` must not load: each costs start-up time and none is needed to print usage. */
const HEAVY = /@aws-sdk|@smithy|node_modules\/zod\/|hash-wasm|tar-stream|\/lambdas\//;

describe('bagvault start-up', () => {
  it('sees a module the command loads (the hook works)', async () => {
    const { modules } = await modulesOf(['-e', "await import('@aws-sdk/client-s3')", '--input-type=module']);
    expect(modules.some((url) => HEAVY.test(url))).toBe(true);
  });

  it.each(['--help', 'cart --help', 'admin create-key --help'])(
    '`bagvault %s` loads commander and the program only, never the AWS SDK or the service code',
    async (command) => {
      const { code, modules } = await modulesOf(['bin/bagvault.js', ...command.split(' ')]);
      expect(code).toBe(0);
      expect(modules.filter((url) => HEAVY.test(url))).toEqual([]);
      expect(modules.some((url) => url.includes('/commander/'))).toBe(true);
    },
  );

  it('ends quietly with 0 when its reader closes the pipe early (`bagvault --help | head -1`)', async () => {
    const child = spawn(NODE, ['bin/bagvault.js', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
