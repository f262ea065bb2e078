/** `bagvault bag show|versions|events|fixity` (SPEC §5.4, §5.6). */
import { apiFromEnvironment, type Api } from './api-client.ts';
import { bagPath, checkVersion, parseBagId } from './bag-id.ts';
import { fetchStorageManifest } from './bag-manifests.ts';
import type { BagOptions } from './program.ts';
import { formatBytes } from './progress.ts';

interface ResultList<T> {
  results: T[];
  next?: string;
}

/** Every page of a paginated list. */
async function listAll<T>(api: Api, path: string): Promise<T[]> {
  const results: T[] = [];
  let next: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api.json<ResultList<T>>(
      next ? `${path}${separator}next=${encodeURIComponent(next)}` : path,
    );
    results.push(...page.results);
    next = page.next;
  } while (next);
  return results;
}

export async function showBag(id: string, options: BagOptions): Promise<number> {
  const bag = parseBagId(id);
  const manifest = await fetchStorageManifest(apiFromEnvironment(), bag, checkVersion(options.version));
  if (options.json) {
    console.log(JSON.stringify(manifest));
    return 0;
  }
  const payloadBytes = manifest.manifest.files.reduce((sum, file) => sum + file.size, 0);
  const lines = [
    `${manifest.id} ${manifest.version}`,
    `created     ${manifest.createdDate}`,
    `ingest      ${manifest.ingestId}`,
    `payload     ${manifest.manifest.files.length} files, ${formatBytes(payloadBytes)} (${manifest.manifest.checksumAlgorithm})`,
    `tag files   ${manifest.tagManifest.files.map((file) => file.name).join(', ')}`,
    `stored in   ${[manifest.location, ...manifest.replicaLocations].map((location) => `s3://${location.bucket}/${manifest.id}${location.storageClass ? ` (${location.storageClass})` : ''}`).join(', ')}`,
    ...Object.entries(manifest.info).map(
      ([label, value]) => `info        ${label}: ${Array.isArray(value) ? value.join('; ') : String(value)}`,
    ),
  ];
  console.log(lines.join('\n'));
  return 0;
}

export async function bagVersions(id: string, options: BagOptions): Promise<number> {
  const bag = parseBagId(id);
  const versions = await listAll<{ version: string; createdDate: string }>(
    apiFromEnvironment(),
    bagPath(bag, '/versions'),
  );
  if (options.json) console.log(JSON.stringify(versions));
  else for (const version of versions) console.log(`${version.version}  ${version.createdDate}`);
  return 0;
}

/** A preservation event (SPEC §5.4): what happened, by whom, with what outcome, when. */
interface BagEvent {
  type?: string;
  description?: string;
  agent?: string | { id?: string; name?: string };
  outcome?: string;
  date?: string;
  createdDate?: string;
}

export async function bagEvents(id: string, options: BagOptions): Promise<number> {
  const bag = parseBagId(id);
  const events = await listAll<BagEvent>(apiFromEnvironment(), bagPath(bag, '/events'));
  if (options.json) {
    console.log(JSON.stringify(events));
    return 0;
  }
  for (const event of events) {
    const agent = typeof event.agent === 'object' ? (event.agent.name ?? event.agent.id) : event.agent;
    const what = [event.type, event.description].filter(Boolean).join(': ');
    console.log(
      [event.date ?? event.createdDate ?? '', what, event.outcome ?? '', agent ? `by ${agent}` : '']
        .filter(Boolean)
        .join('  '),
    );
  }
  return 0;
}

/** A fixity run (SPEC §5.6). */
interface FixityRun {
  id: string;
  status: string;
  success: boolean | null;
  message?: string;
  timestamp?: string;
  failures?: { files?: Record<string, { path: string; location?: string; message?: string }[]> };
  repaired?: { path: string; location: string; message?: string }[];
}

function describeRun(run: FixityRun): string {
  const outcome = run.success === null ? run.status : run.success ? 'passed' : 'FAILED';
  const lines = [`${run.id}  ${run.timestamp ?? ''}  ${outcome}${run.message ? `: ${run.message}` : ''}`];
  for (const [kind, files] of Object.entries(run.failures?.files ?? {})) {
    for (const file of files)
      lines.push(
        `  ${kind}: ${file.path}${file.location ? ` (${file.location})` : ''}${file.message ? ` - ${file.message}` : ''}`,
      );
  }
  for (const repair of run.repaired ?? []) lines.push(`  repaired: ${repair.path} (${repair.location})`);
  return lines.join('\n');
}

export async function bagFixity(id: string, options: BagOptions & { start?: boolean }): Promise<number> {
  const bag = parseBagId(id);
  const api = apiFromEnvironment();
  const version = checkVersion(options.version);
  if (options.start) {
    const started = await api.json<{ id: string }>(
      bagPath(bag, `/fixity${version ? `?version=${version}` : ''}`),
      {
        method: 'POST',
        body: {},
      },
    );
    if (options.json) console.log(JSON.stringify(started));
    else console.log(started.id);
    return 0;
  }
  const runs = await listAll<FixityRun>(api, bagPath(bag, '/fixity'));
  if (options.json) console.log(JSON.stringify(runs));
  else for (const run of runs) console.log(describeRun(run));
  return 0;
}
