/** `bagvault space create|show|list|update` (SPEC §5.6): `POST /spaces`, `GET /spaces[/{id}]`, `PATCH`. */
import { apiFromEnvironment, listAll } from './api-client.ts';
import type { SpaceCliOptions } from './program.ts';
import { formatBytes } from './progress.ts';
import { UsageError } from './usage-error.ts';

interface Space {
  id: string;
  description: string;
  quota: number | null;
  used: number;
  bagCount: number;
}

/** Same rule as the API (lambdas/identifiers.ts), checked first so a typo is a usage error. */
function checkSpaceId(id: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) {
    throw new UsageError(`bad space "${id}": 1 to 63 lower-case letters, digits or -, not starting with -`);
  }
  return id;
}

/** A whole number of bytes, or (where a quota can be lifted) `none`. */
function quotaOf(text: string | undefined, noneAllowed: boolean): number | null | undefined {
  if (text === undefined) return undefined;
  if (noneAllowed && text === 'none') return null;
  if (/^[0-9]+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  throw new UsageError(
    `bad --quota "${text}": expected a whole number of bytes${noneAllowed ? ' or none' : ''}, e.g. 10000000000`,
  );
}

function describeSpace(space: Space): string {
  const quota =
    space.quota === null ? 'no quota' : `quota ${formatBytes(space.quota)} (${space.quota} bytes)`;
  const bags = `${space.bagCount} bag${space.bagCount === 1 ? '' : 's'}`;
  const used = `${formatBytes(space.used)} used`;
  return `${space.id}  ${bags}, ${used}, ${quota}${space.description ? `  ${space.description}` : ''}`;
}

function print(space: Space, options: { json?: boolean }): number {
  console.log(options.json ? JSON.stringify(space) : describeSpace(space));
  return 0;
}

export async function createSpace(id: string, options: SpaceCliOptions): Promise<number> {
  const body = {
    id: checkSpaceId(id),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.quota === undefined ? {} : { quota: quotaOf(options.quota, false) }),
  };
  const api = apiFromEnvironment();
  return print(await api.json<Space>('/spaces', { method: 'POST', body }), options);
}

export async function updateSpace(id: string, options: SpaceCliOptions): Promise<number> {
  checkSpaceId(id);
  const quota = quotaOf(options.quota, true);
  if (options.description === undefined && quota === undefined) {
    throw new UsageError('nothing to change: give --description and/or --quota');
  }
  const body = {
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(quota === undefined ? {} : { quota }),
  };
  const api = apiFromEnvironment();
  return print(await api.json<Space>(`/spaces/${id}`, { method: 'PATCH', body }), options);
}

export async function showSpace(id: string, options: { json?: boolean }): Promise<number> {
  checkSpaceId(id);
  return print(await apiFromEnvironment().json<Space>(`/spaces/${id}`), options);
}

export async function listSpaces(options: { json?: boolean }): Promise<number> {
  const spaces = await listAll<Space>(apiFromEnvironment(), '/spaces');
  if (options.json) console.log(JSON.stringify(spaces));
  else for (const space of spaces) console.log(describeSpace(space));
  return 0;
}
