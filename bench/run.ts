/**
 * `npm run bench` runs every benchmark; `npm run bench -- bagit` runs one. A benchmark is a module
 * exporting `run(): Promise<void>`; add it to the table below.
 */
const benchmarks: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  bagit: () => import('./bagit.ts'),
  ingest: () => import('./ingest.ts'),
  cart: () => import('./cart.ts'),
  fixity: () => import('./fixity.ts'),
  cli: () => import('./cli.ts'),
  scale: () => import('./scale.ts'),
  unpack: () => import('./unpack.ts'),
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; available: ${Object.keys(benchmarks).join(', ')}`);
  process.exitCode = 2;
} else {
  for (const name of requested.length > 0 ? requested : Object.keys(benchmarks)) {
    console.log(`\n=== ${name} ===`);
    await (await benchmarks[name]()).run();
  }
}
