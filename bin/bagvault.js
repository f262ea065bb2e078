#!/usr/bin/env node
/**
 * The `bagvault` command (SPEC §6): see cli/program.ts.
 *
 * Plain JavaScript on purpose: Node strips the types of a .ts file with a WebAssembly compiler that
 * takes about 30 ms to start before anything else runs. This entry first keeps the stripped
 * JavaScript of the project's own modules between runs (and V8's compiled code, through Node's
 * compile cache), so that a command starts by reading a few cached files instead: `validate` of a
 * tar.gz is gunzipping about 60 ms after the process starts instead of 120 ms.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

// `bagvault … | head` closes the pipe early: that is the reader being done, not a failure to report.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });

cacheStrippedTypeScript();
const args = process.argv.slice(2);
if (args[0] === 'validate') {
  // validate reads its own arguments (see cli/program.ts), so it starts without loading commander:
  // its archive is gunzipping sooner.
  const { run } = await import('../cli/validate.ts');
  const code = await run(args.slice(1));
  // Where pipes are asynchronous (macOS), exiting at once could cut the report short.
  await Promise.all(
    [process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write('', done))),
  );
  // Out without waiting for the hashing threads to be stopped (see cli/validate.ts).
  process.exit(code);
} else {
  const { main } = await import('../cli/program.ts');
  await main(args);
}

/**
 * Entries are keyed by the module's content, so an edited file is stripped afresh; the cache lives
 * in the user's own cache directory (never a shared /tmp, where another user could plant code).
 * Anything unusual (no hooks API, an unwritable cache) falls back to Node's own stripping.
 */
function cacheStrippedTypeScript() {
  const { registerHooks, stripTypeScriptTypes } = module;
  if (!registerHooks || !stripTypeScriptTypes) return;
  const directory = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
    'bagvault',
    `ts-${process.version}`,
  );
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
  } catch {
    return;
  }
  module.enableCompileCache?.(join(directory, 'v8'));
  registerHooks({
    load(url, context, nextLoad) {
      if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) {
        return nextLoad(url, context);
      }
      const source = readFileSync(fileURLToPath(url), 'utf8');
      const entry = join(directory, `${createHash('sha256').update(source).digest('hex')}.js`);
      let javascript;
      try {
        javascript = readFileSync(entry, 'utf8');
      } catch {
        javascript = quietly(() => stripTypeScriptTypes(source));
        try {
          const temporary = `${entry}.${process.pid}`;
          writeFileSync(temporary, javascript, { mode: 0o600 });
          renameSync(temporary, entry);
        } catch {
          // not cached this time; the stripped source is still used
        }
      }
      return { format: 'module', source: javascript, shortCircuit: true };
    },
  });
}

// stripTypeScriptTypes announces itself as experimental on first use; stderr is for the command's
// own messages.
function quietly(work) {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return work();
  } finally {
    process.emitWarning = emitWarning;
  }
}
