import { BlockList, isIP } from 'node:net';
import type { Principal } from '../auth/principal.ts';
import { config } from '../config.ts';
import {
  externalIdentifierProblem,
  isSpaceAvailable,
  spaceIdProblem,
  spaceUnavailable,
} from '../identifiers.ts';
import {
  invalidAt,
  object,
  oneOf,
  optional,
  parseRequest,
  rejectIfAny,
  text,
  typeName,
} from '../json-validation.ts';
import type { Ingest } from './ingest.ts';

/** S3's limit on a key, so a path that cannot exist is refused now rather than by the workflow. */
const MAX_KEY_BYTES = 1024;

/** The body of `POST /ingests` (SPEC §5.2), in Wellcome's shape. */
const schema = object({
  type: typeName('Ingest'),
  space: object({ id: text(spaceIdProblem), type: typeName('Space') }),
  bag: object({
    type: typeName('Bag'),
    info: object({ type: typeName('BagInfo'), externalIdentifier: text(externalIdentifierProblem) }),
  }),
  ingestType: object({ id: oneOf(['create', 'update']), type: typeName('IngestType') }),
  sourceLocation: object({
    type: typeName('Location'),
    provider: object({ id: oneOf(['amazon-s3']), type: typeName('Provider') }),
    bucket: text(uploadBucketProblem),
    path: text((path) =>
      Buffer.byteLength(path) > MAX_KEY_BYTES ? 'must be at most 1024 bytes.' : undefined,
    ),
  }),
  callback: optional(object({ url: text(callbackUrlProblem), type: typeName('Callback') })),
});

/** The workflow's role may read only the upload bucket, so any other bucket would fail later. */
function uploadBucketProblem(bucket: string): string | undefined {
  const uploads = config().uploadBucket;
  if (bucket === uploads) return undefined;
  return `got ${JSON.stringify(bucket)}, but ingests can only read from the upload bucket "${uploads}"; upload the bag there first (POST /uploads or any S3 client).`;
}

/**
 * Addresses a callback must never reach: loopback, private, link-local (which includes the cloud
 * metadata service at 169.254.169.254), carrier-grade NAT, unspecified and unique-local. The
 * workflow's Callback step checks again after DNS resolution; this catches literal addresses now.
 */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fd00:ec2::', 32],
] as const)
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');

const LOOPBACK_NAMES = /(^|\.)localhost$/i;
const METADATA_NAMES = new Set(['metadata.google.internal', 'instance-data', 'instance-data.ec2.internal']);

/** `[::1]` → `::1`; an IPv4-mapped IPv6 address → its IPv4 form. */
function addressOf(hostname: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  const address = mapped ? (mapped[1] as string) : bare;
  const family = isIP(address);
  return family === 0 ? undefined : { address, family: family === 4 ? 'ipv4' : 'ipv6' };
}

function callbackUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `got ${JSON.stringify(raw)}, which is not an absolute URL.`;
  }
  const allowLoopback = config().allowLoopbackCallbacks;
  const schemes = allowLoopback ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) return 'must be an https URL.';
  if (url.username || url.password) return 'must not contain a user name or password.';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const address = addressOf(host);
  const loopback = LOOPBACK_NAMES.test(host) || (address && LOOPBACK.check(address.address, address.family));
  if (loopback && allowLoopback) return undefined;
  if (loopback || METADATA_NAMES.has(host) || (address && FORBIDDEN.check(address.address, address.family))) {
    return 'must not point at a loopback, private, link-local or metadata address.';
  }
  return undefined;
}

/** Validates `POST /ingests` and returns the new ingest, accepted and not yet started. */
export async function parseIngestRequest(body: unknown, caller: Principal): Promise<Ingest> {
  const request = parseRequest(body, schema);
  const space = request.space.id;
  if (!(await isSpaceAvailable(caller, space)))
    rejectIfAny([invalidAt('.space.id', spaceUnavailable(space))]);
  const now = new Date().toISOString();
  return {
    id: crypto.randomUUID(),
    type: 'Ingest',
    space: { id: space, type: 'Space' },
    bag: { type: 'Bag', info: { type: 'BagInfo', externalIdentifier: request.bag.info.externalIdentifier } },
    ingestType: { id: request.ingestType.id, type: 'IngestType' },
    sourceLocation: {
      type: 'Location',
      provider: { type: 'Provider', id: 'amazon-s3' },
      bucket: request.sourceLocation.bucket,
      path: request.sourceLocation.path,
    },
    ...(request.callback
      ? {
          callback: {
            type: 'Callback',
            url: request.callback.url,
            status: { id: 'pending', type: 'CallbackStatus' },
          },
        }
      : {}),
    status: { id: 'accepted', type: 'Status' },
    progress: { bytesTotal: 0, bytesDone: 0, filesTotal: 0, filesDone: 0 },
    events: [],
    createdDate: now,
    lastModifiedDate: now,
  };
}
