/** `bagvault bag show|versions|events|fixity` (SPEC §5.4, §5.6). */
import { apiFromEnvironment, listAll } from './api-client.ts';
import { bagPath, checkVersion, parseBagId } from './bag-id.ts';
import { fetchStorageManifest } from './bag-manifests.ts';
import type { BagOptions } from './program.ts';
import { formatBytes } from './progress.ts';
import { UsageError } from './usage-error.ts';

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

/** A fixity run (SPEC §5.6): a bag's list shows the outcome, `GET /fixity/{id}` adds the findings. */
interface FixityRun {
  id: string;
  status: string;
  success: boolean | null;
  message?: string;
  timestamp?: string;
  createdDate?: string;
  failures?: { files?: Record<string, FixityFinding[]> };
  repaired?: { path: string; location: string; from?: string; message?: string }[];
  /** Exact counts (the lists are capped). */
  counts?: Record<string, number>;
}

interface FixityFinding {
  path: string;
  location?: string;
  message?: string;
}

const FINDING_KINDS = ['missing', 'changed', 'untracked', 'notCheckable'];

function describeFindings(run: FixityRun): string[] {
  const lines: string[] = [];
  for (const [kind, files] of Object.entries(run.failures?.files ?? {})) {
    for (const file of files)
      lines.push(
        `  ${kind}: ${file.path}${file.location ? ` (${file.location})` : ''}${file.message ? ` - ${file.message}` : ''}`,
      );
  }
  for (const repair of run.repaired ?? [])
    lines.push(`  repaired: ${repair.path} (${repair.location}${repair.from ? ` from ${repair.from}` : ''})`);
  return lines;
}

function describeRun(run: FixityRun): string {
  const outcome = run.success === null ? run.status : run.success ? 'passed' : 'FAILED';
  const when = run.timestamp ?? run.createdDate ?? '';
  return [
    `${run.id}  ${when}  ${outcome}${run.message ? `: ${run.message}` : ''}`,
    ...describeFindings(run),
  ].join('\n');
}

/** `missing 0, changed 1, untracked 0, repaired 1` from the exact counts, or the lists without them. */
function summarise(run: FixityRun): string {
  const count = (kind: string) =>
    run.counts?.[kind] ?? (kind === 'repaired' ? run.repaired : run.failures?.files?.[kind])?.length ?? 0;
  return [...FINDING_KINDS, 'repaired']
    .filter((kind) => kind !== 'notCheckable' || count(kind) > 0)
    .map((kind) => `${kind} ${count(kind)}`)
    .join(', ');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface FixityOptions extends BagOptions {
  start?: boolean;
  wait?: boolean;
}

/**
 * Without --start or --wait: the bag's runs (what `bag fixity` has always done). --start starts a
 * run and prints its id; --wait starts one and follows it to the end: exit 0 only when it succeeded.
 */
export async function bagFixity(id: string, options: FixityOptions): Promise<number> {
  const bag = parseBagId(id);
  const version = checkVersion(options.version);
  const starts = options.start || options.wait;
  if (version && !starts)
    throw new UsageError('--version needs --start or --wait (listing shows every version)');
  const api = apiFromEnvironment();
  if (!starts) {
    const runs = await listAll<FixityRun>(api, bagPath(bag, '/fixity'));
    if (options.json) console.log(JSON.stringify(runs));
    else for (const run of runs) console.log(describeRun(run));
    return 0;
  }
  const started = await api.json<{ id: string }>(
    bagPath(bag, `/fixity${version ? `?version=${version}` : ''}`),
    {
      method: 'POST',
      body: {},
    },
  );
  if (!options.wait) {
    console.log(options.json ? JSON.stringify(started) : started.id);
    return 0;
  }
  if (!options.json) console.error(`Fixity check ${started.id} started; waiting for it to finish…`);
  let run: FixityRun;
  // Small bags finish in moments; big ones take minutes: poll soon, then back off to every 5 s.
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    run = await api.json<FixityRun>(`/fixity/${encodeURIComponent(started.id)}`);
    if (run.status !== 'running') break;
    await sleep(delay);
  }
  if (options.json) console.log(JSON.stringify(run));
  else {
    console.log(`${run.id}  ${run.success ? 'passed' : 'FAILED'}${run.message ? `: ${run.message}` : ''}`);
    console.log(summarise(run));
    for (const line of describeFindings(run)) console.log(line);
  }
  return run.success === true ? 0 : 1;
}
