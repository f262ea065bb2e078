import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { errorOf, postJson } from '../support/api-client.ts';
import { ingestRequest } from './ingest-fixture.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ settings: { allowLoopbackCallbacks: 'false' } });
});
afterAll(async () => {
  await stack?.destroy();
});

type Body = Record<string, unknown>;
const without = (body: Body, path: string): Body => {
  const copy = structuredClone(body);
  const parts = path.split('.');
  let target = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
  delete target[parts.at(-1) as string];
  return copy;
};
const withValue = (body: Body, path: string, value: unknown): Body => {
  const copy = structuredClone(body);
  const parts = path.split('.');
  let target = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
  target[parts.at(-1) as string] = value;
  return copy;
};

async function refusal(body: unknown, status = 400): Promise<string> {
  return errorOf(await postJson(stack, '/ingests', body), status);
}

describe('POST /ingests: missing fields', () => {
  it.each([
    'space',
    'space.id',
    'bag',
    'bag.info',
    'bag.info.externalIdentifier',
    'ingestType',
    'ingestType.id',
    'sourceLocation',
    'sourceLocation.provider',
    'sourceLocation.provider.id',
    'sourceLocation.bucket',
    'sourceLocation.path',
    'callback.url',
  ])('names .%s', async (path) => {
    expect(await refusal(without(ingestRequest(stack), path))).toBe(
      `Invalid value at .${path}: required property not supplied.`,
    );
  });

  it('lists every error, one per line', async () => {
    const body = without(without(ingestRequest(stack), 'ingestType'), 'sourceLocation');
    expect(await refusal(body)).toBe(
      [
        'Invalid value at .ingestType: required property not supplied.',
        'Invalid value at .sourceLocation: required property not supplied.',
      ].join('\n'),
    );
  });

  it('accepts an ingest without a callback (it is optional)', async () => {
    const response = await postJson(stack, '/ingests', without(ingestRequest(stack), 'callback'));
    expect(response.status).toBe(201);
    expect(await response.json()).not.toHaveProperty('callback');
  });
});

describe('POST /ingests: invalid values', () => {
  it.each<[string, unknown, string]>([
    ['ingestType.id', 'x', 'got "x", valid values are: create, update.'],
    ['space.id', '', 'must not be empty.'],
    ['space.id', 'alfa/bravo', 'must not contain slashes.'],
    [
      'space.id',
      'Digitised',
      'must be 1 to 63 lower-case letters, digits or hyphens, starting with a letter or digit.',
    ],
    ['space.id', 'nowhere', 'no space "nowhere" is available to this API key.'],
    ['space.id', 7, 'expected a string, got 7.'],
    ['bag.info.externalIdentifier', '', 'must not be empty.'],
    [
      'bag.info.externalIdentifier',
      'b1234$',
      'must contain only letters, digits, spaces and the characters - _ / .',
    ],
    ['bag.info.externalIdentifier', '/b1234', 'must start and end with a letter or digit.'],
    ['bag.info.externalIdentifier', 'b1234.', 'must start and end with a letter or digit.'],
    ['bag.info.externalIdentifier', 'a//b', 'must not contain "//".'],
    ['bag.info.externalIdentifier', 'a  b', 'must not contain double spaces.'],
    [
      'bag.info.externalIdentifier',
      'b1234/v2/part',
      'must not contain a path segment of the form vN (found "v2").',
    ],
    ['bag.info.externalIdentifier', 'b1234/versions', 'must not end with "/versions".'],
    ['bag.info.externalIdentifier', 'a'.repeat(513), 'must be at most 512 characters.'],
    ['sourceLocation.provider.id', 'aws-s3-standard', 'got "aws-s3-standard", valid values are: amazon-s3.'],
    [
      'sourceLocation.bucket',
      'someone-elses-bucket',
      'got "someone-elses-bucket", but ingests can only read from the upload bucket "bagvault-uploads"; upload the bag there first (POST /uploads or any S3 client).',
    ],
    ['sourceLocation.path', '', 'must not be empty.'],
    ['callback.url', 'not a url', 'got "not a url", which is not an absolute URL.'],
    ['callback.url', 'http://example.org/callback', 'must be an https URL.'],
    ['callback.url', 'ftp://example.org/callback', 'must be an https URL.'],
    ['callback.url', 'https://user:pw@example.org/callback', 'must not contain a user name or password.'],
    ...[
      'https://localhost/callback',
      'https://127.0.0.1/callback',
      'https://[::1]/callback',
      'https://10.1.2.3/callback',
      'https://192.168.0.1/callback',
      'https://172.20.0.1/callback',
      'https://169.254.169.254/latest/meta-data',
      'https://[fe80::1]/callback',
      'https://[::ffff:10.0.0.1]/callback',
      'https://metadata.google.internal/computeMetadata',
      'https://0.0.0.0/callback',
    ].map(
      (url) =>
        ['callback.url', url, 'must not point at a loopback, private, link-local or metadata address.'] as [
          string,
          unknown,
          string,
        ],
    ),
    ['type', 'Bag', 'got "Bag", valid values are: Ingest.'],
    ['ingestType', 'create', 'expected a JSON object.'],
  ])('refuses .%s = %j', async (path, value, problem) => {
    expect(await refusal(withValue(ingestRequest(stack), path, value))).toBe(
      `Invalid value at .${path}: ${problem}`,
    );
  });

  it('allows identifiers with slashes, spaces, dots and underscores', async () => {
    const body = withValue(ingestRequest(stack), 'bag.info.externalIdentifier', 'PP/CRI/J 2.1_a');
    expect((await postJson(stack, '/ingests', body)).status).toBe(201);
  });

  it('names unknown fields, at any depth', async () => {
    const body = withValue(
      withValue(ingestRequest(stack), 'calback', { url: 'x' }),
      'bag.info.version',
      'v2',
    );
    expect(await refusal(body)).toBe(
      [
        'Invalid value at .bag.info.version: unknown field; valid fields are: type, externalIdentifier.',
        'Invalid value at .calback: unknown field; valid fields are: type, space, bag, ingestType, sourceLocation, callback.',
      ].join('\n'),
    );
  });

  it('refuses a body that is not a JSON object', async () => {
    expect(await refusal([])).toBe('Invalid value at .: expected a JSON object.');
  });

  it('refuses a body that is not JSON', async () => {
    // Bytes, not a string: fetch would label a string text/plain.
    const response = await stack.api('/ingests', { method: 'POST', body: Buffer.from('hgjh') });
    expect(await errorOf(response, 400)).toMatch(/^The request body is not valid JSON/);
  });

  it('reads a body without a Content-Type as JSON', async () => {
    const response = await stack.api('/ingests', {
      method: 'POST',
      body: Buffer.from(JSON.stringify(ingestRequest(stack))),
    });
    expect(response.status).toBe(201);
  });

  it('answers 415 for an explicit non-JSON Content-Type', async () => {
    const response = await stack.api('/ingests', {
      method: 'POST',
      body: JSON.stringify(ingestRequest(stack)),
      headers: { 'content-type': 'text/plain' },
    });
    expect(await errorOf(response, 415)).toContain('application/json');
  });

  it('answers 403 for a key without the ingest role', async () => {
    const { createApiKey } = await import('../../lambdas/auth/api-key-repository.ts');
    await createApiKey({ user: 'reader', spaces: ['*'], roles: ['read'] }, 'reader-secret-0123456789');
    const response = await postJson(stack, '/ingests', ingestRequest(stack), {
      key: 'reader:reader-secret-0123456789',
    });
    expect(response.status).toBe(403);
  });
});
