import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Keep the type-stripped JavaScript of the project's own .ts modules between runs of the command.
 * Node strips types at every start with a WebAssembly compiler; for the ~40 modules `validate`
 * loads that is most of its start-up (about 0.15 s of CPU, against a few milliseconds to read the
 * cached output). Entries are keyed by the module's content, so an edited file is stripped afresh;
 * the cache lives in the user's own cache directory (never a shared /tmp, where another user could
 * plant code). Anything unusual (no hooks API, an unwritable cache) falls back to Node's own path.
 */
export function cacheStrippedTypeScript(): void {
  const { registerHooks, stripTypeScriptTypes } = module as typeof module & {
    registerHooks?: (hooks: { load: LoadHook }) => unknown;
    stripTypeScriptTypes?: (source: string) => string;
  };
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
      let javascript: string;
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

// stripTypeScriptTypes announces itself as experimental on first use; the command's stderr is for
// the bag's problems only.
function quietly<T>(work: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return work();
  } finally {
    process.emitWarning = emitWarning;
  }
}

type LoadHook = (
  url: string,
  context: unknown,
  nextLoad: (url: string, context: unknown) => unknown,
) => unknown;
