import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { quoted } from '../client-text.ts';

/**
 * Callback URLs are fetched from inside the service, so they must not reach the service's own
 * network: https only, no credentials in the URL, and no loopback, private, link-local (which holds
 * the cloud metadata service at 169.254.169.254), carrier-grade NAT, multicast or reserved address,
 * written as IPv4 or inside any IPv6 form that carries an IPv4 address (mapped, compatible, NAT64,
 * 6to4, Teredo). The local stack may allow loopback (http or https) for its tests. POST /ingests
 * checks the URL as written; the Callback step resolves the host once, checks every address, and
 * connects to the address it checked (notifier.ts), so DNS cannot answer differently twice.
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
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  // NAT64 for local use (RFC 8215): its IPv4 addresses are whatever the operator says they are.
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
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

/** The 16 bytes of an IPv6 address (with or without a trailing dotted quad), or undefined. */
export function ipv6Bytes(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a, b, c, d) => {
    const [w, x, y, z] = [a, b, c, d].map(Number) as [number, number, number, number];
    return `${((w << 8) | x).toString(16)}:${((y << 8) | z).toString(16)}`;
  });
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

const dotted = (bytes: number[]) => bytes.join('.');
const zeros = (bytes: number[]) => bytes.every((byte) => byte === 0);

/**
 * The IPv4 addresses an IPv6 address carries, and where a packet to it may end up: IPv4-mapped
 * (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96), NAT64
 * (64:ff9b::/96), 6to4 (2002::/16) and Teredo (2001::/32: its server, and its client, whose
 * address is stored inverted).
 */
export function embeddedIPv4(address: string): string[] {
  const bytes = ipv6Bytes(address);
  if (!bytes) return [];
  const last = bytes.slice(12);
  const head = (...values: number[]) => values.every((value, index) => bytes[index] === value);
  if (zeros(bytes.slice(0, 10)) && bytes[10] === 0xff && bytes[11] === 0xff) return [dotted(last)];
  if (head(0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0)) return [dotted(last)];
  if (zeros(bytes.slice(0, 12))) return [dotted(last)];
  if (head(0, 0x64, 0xff, 0x9b) && zeros(bytes.slice(4, 12))) return [dotted(last)];
  if (head(0x20, 0x02)) return [dotted(bytes.slice(2, 6))];
  if (head(0x20, 0x01, 0, 0)) return [dotted(bytes.slice(4, 8)), dotted(last.map((byte) => byte ^ 0xff))];
  return [];
}

/** `[::1]` → `::1`; undefined for a name. */
function addressOf(host: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const address = host.replace(/^\[|\]$/g, '');
  const family = isIP(address);
  return family === 0 ? undefined : { address, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** The address and every IPv4 address inside it, as BlockList checks them. */
function forms(host: string): { address: string; family: 'ipv4' | 'ipv6' }[] {
  const parsed = addressOf(host);
  if (!parsed) return [];
  if (parsed.family === 'ipv4') return [parsed];
  return [parsed, ...embeddedIPv4(parsed.address).map((address) => ({ address, family: 'ipv4' as const }))];
}

const isLoopback = (host: string) => forms(host).some((form) => LOOPBACK.check(form.address, form.family));
const isForbidden = (host: string) => forms(host).some((form) => FORBIDDEN.check(form.address, form.family));

const LOOPBACK_ONLY = 'must not point at a loopback, private, link-local or metadata address.';

/** Why the URL as written may not be a callback (a sentence ending in "."), or undefined. */
export function callbackUrlProblem(raw: string, allowLoopback: boolean): string | undefined {
  if (!URL.canParse(raw)) return `got ${quoted(raw)}, which is not an absolute URL.`;
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

/** Resolves a host name to every address it has (DNS, hosts file): `dns.lookup` unless a test injects one. */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** Where a callback may be delivered: its URL and the one address that was checked. */
export interface CallbackTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/**
 * The same rules after resolving the host, once: every address it resolves to must be allowed,
 * and the delivery connects to the first of them (never resolving again).
 */
export async function resolveCallbackTarget(
  raw: string,
  allowLoopback: boolean,
  resolve: Resolver = systemResolver,
): Promise<{ target: CallbackTarget } | { problem: string }> {
  const written = callbackUrlProblem(raw, allowLoopback);
  if (written) return { problem: `the callback URL ${written}` };
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await resolve(host)).map((entry) => entry.address);
  } catch {
    return { problem: `the host ${host} cannot be resolved` };
  }
  const first = addresses[0];
  if (first === undefined || isIP(first) === 0) return { problem: `the host ${host} cannot be resolved` };
  const target = { url, address: first, family: isIP(first) as 4 | 6 };
  if (allowLoopback && addresses.every(isLoopback)) return { target };
  const blocked = addresses.find(isForbidden);
  if (blocked) return { problem: `the host ${host} resolves to a private or reserved address (${blocked})` };
  if (url.protocol !== 'https:') return { problem: 'the callback URL must be an https URL' };
  return { target };
}

/** Why the Callback step would refuse the URL after resolving it, or undefined. */
export async function resolvedCallbackProblem(
  raw: string,
  allowLoopback: boolean,
  resolve: Resolver = systemResolver,
): Promise<string | undefined> {
  const resolved = await resolveCallbackTarget(raw, allowLoopback, resolve);
  return 'problem' in resolved ? resolved.problem : undefined;
}
