import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Callback URLs are fetched from inside the service, so they must not reach the service's own
 * network: https only, and no loopback, private, link-local, metadata or otherwise special address.
 * The local stack may allow loopback (http or https) for its tests.
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
  ['::ffff:0:0', 96],
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

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** Why the URL may not be called, or undefined when it may. */
export async function callbackProblem(rawUrl: string, allowLoopback: boolean): Promise<string | undefined> {
  if (!URL.canParse(rawUrl)) return `${rawUrl} is not a URL`;
  const url = new URL(rawUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return `the host ${host} cannot be resolved`;
  }
  const allLoopback = addresses.every((address) => LOOPBACK.check(address, family(address)));
  if (allowLoopback && allLoopback)
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : 'the URL must be https';
  if (url.protocol !== 'https:') return 'the URL must be https';
  const blocked = addresses.find((address) => FORBIDDEN.check(address, family(address)));
  return blocked ? `the host ${host} resolves to a private or reserved address (${blocked})` : undefined;
}
