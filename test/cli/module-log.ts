/**
 * Loaded with `node --import` before a command: every module the process resolves (ESM imports and
 * CommonJS requires alike) is printed on stderr at exit, one `loaded: URL` line each, so a test can
 * see what a command pulls in.
 */
import { registerHooks } from 'node:module';

const loaded: string[] = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    loaded.push(resolved.url);
    return resolved;
  },
});
process.on('exit', () => {
  process.stderr.write(loaded.map((url) => `loaded: ${url}\n`).join(''));
});
