import { describe, expect, it } from 'vitest';
import { bagvault } from './run-bagvault.ts';

const noApi = { ...process.env, BAGVAULT_URL: '', BAGVAULT_KEY: '' };

describe('the bagvault command line', () => {
  it.each([['--help'], ['help'], ['-h']])(
    'prints the commands on stdout with exit 0 for %s',
    async (flag) => {
      const result = await bagvault([flag]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      for (const command of ['validate', 'ingest', 'cart', 'bag', 'space', 'deletion', 'admin']) {
        expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
      }
    },
  );

  it('prints the commands on stderr with exit 2 when no command is given', async () => {
    const result = await bagvault([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: bagvault <command> [options]');
  });

  it('exits 2 naming an unknown command, and an unknown subcommand', async () => {
    const command = await bagvault(['frobnicate']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("bagvault: unknown command 'frobnicate'");
    const subcommand = await bagvault(['cart', 'explode']);
    expect(subcommand.code).toBe(2);
    expect(subcommand.stderr).toContain("bagvault: unknown command 'explode'");
  });

  it.each([
    [['ingest', 'bag', '--space', 'digitised', '--colour', 'red'], "unknown option '--colour'"],
    [['bag', 'export', 'digitised/b1'], "missing required argument 'dir'"],
    [['bag', 'show', 'digitised/b1', 'extra'], 'too many arguments'],
    [['admin', 'create-key', '--user', 'u'], "required option '--spaces <spaces>' not specified"],
  ])('exits 2 naming the bad argument: %s', async (args, message) => {
    const result = await bagvault(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it.each([['ingest'], ['cart', 'download'], ['bag', 'export'], ['admin', 'create-key'], ['validate']])(
    'has --help for %s',
    async (...command) => {
      const result = await bagvault([...command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: bagvault ${command.join(' ')}`);
    },
  );

  it('exits 2 naming a bag path that does not exist, or a malformed space', async () => {
    const env = { ...process.env, BAGVAULT_URL: 'http://127.0.0.1:9', BAGVAULT_KEY: 'a:b' };
    const missing = await bagvault(['ingest', '/nonexistent/b1234', '--space', 'digitised'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/b1234 is neither a bag directory nor a .tar.gz file');
    const space = await bagvault(['ingest', '.', '--space', 'Digitised Stuff'], env);
    expect(space.code).toBe(2);
    expect(space.stderr).toContain('bad --space "Digitised Stuff"');
  });

  it('exits 2 naming BAGVAULT_URL when it is not set', async () => {
    const result = await bagvault(['bag', 'show', 'digitised/b1'], noApi);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('BAGVAULT_URL is not set');
  });

  it('exits 1 saying the API cannot be reached', async () => {
    const result = await bagvault(['bag', 'show', 'digitised/b1'], {
      ...process.env,
      BAGVAULT_URL: 'http://127.0.0.1:9',
      BAGVAULT_KEY: 'a:b',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});
