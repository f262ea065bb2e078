import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Callback URLs are fetched from inside the service, so they must not reach the service's own
 * network: https only, no credentials in the URL, and no loopback, private, link-local (which holds
 * the cloud metadata service at 169.254.169.254), carrier-grade NAT, multicast or reserved address.
 * The local stack may allow loopback (http or https) for its tests. POST /ingests checks the URL as
 * written; the Callback step checks again after DNS resolution, right before calling it.
 */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fd00:ec2::', 32],
  ['ff00::', 8],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const LOOPBACK_NAMES = /(^|\.)localhost$/i;
const METADATA_NAMES = new Set(['metadata.google.internal', 'instance-data', 'instance-data.ec2.internal']);

/** `[::1]` → `::1`; an IPv4-mapped IPv6 address → its IPv4 form; undefined for a name. */
function addressOf(host: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = host.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  const address = mapped ? (mapped[1] as string) : bare;
  const family = isIP(address);
  return family === 0 ? undefined : { address, family: family === 4 ? 'ipv4' : 'ipv6' };
}

const isLoopback = (address: string) => {
  const parsed = addressOf(address);
  return parsed !== undefined && LOOPBACK.check(parsed.address, parsed.family);
};
const isForbidden = (address: string) => {
  const parsed = addressOf(address);
  return parsed !== undefined && FORBIDDEN.check(parsed.address, parsed.family);
};

const LOOPBACK_ONLY = 'must not point at a loopback, private, link-local or metadata address.';

/** Why the URL as written may not be a callback (a sentence ending in "."), or undefined. */
export function callbackUrlProblem(raw: string, allowLoopback: boolean): string | undefined {
  if (!URL.canParse(raw)) return `got ${JSON.stringify(raw)}, which is not an absolute URL.`;
  const url = new URL(raw);
  const schemes = allowLoopback ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) return 'must be an https URL.';
  if (url.username || url.password) return 'must not contain a user name or password.';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const loopback = LOOPBACK_NAMES.test(host) || isLoopback(host);
  if (loopback && allowLoopback) return undefined;
  if (loopback || METADATA_NAMES.has(host) || isForbidden(host)) return LOOPBACK_ONLY;
  if (url.protocol !== 'https:') return 'must be an https URL.';
  return undefined;
}

/** The same rules after resolving the host: every address it resolves to must be allowed. */
export async function resolvedCallbackProblem(
  raw: string,
  allowLoopback: boolean,
): Promise<string | undefined> {
  const written = callbackUrlProblem(raw, allowLoopback);
  if (written) return `the callback URL ${written}`;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return `the host ${host} cannot be resolved`;
  }
  if (allowLoopback && addresses.every(isLoopback)) return undefined;
  const blocked = addresses.find(isForbidden);
  if (blocked) return `the host ${host} resolves to a private or reserved address (${blocked})`;
  return new URL(raw).protocol === 'https:' ? undefined : 'the callback URL must be an https URL';
}
