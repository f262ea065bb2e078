import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../lambdas/http/routes.ts';
import { mapConcurrently } from '../../lambdas/map-concurrently.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Throws a few hundred hostile requests at every route of the local stack and checks that each
 * answer is a client error (< 500) in the one error shape, or one of the route's documented
 * non-error answers. Requests go over raw HTTP so that nothing (fetch's URL or header rules) cleans
 * them up on the way.
 */
let stack: TestStack;

let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'bagvault-hostile-'));
  stack = await startTestStack({ home });
});
afterAll(async () => {
  // Not destroy(): that waits for workflows, and nothing here needs the ones a request started.
  await stack?.stop();
  await rm(home, { recursive: true, force: true });
});

interface Hostile {
  name: string;
  /** The route key the request aims at (`POST /ingests`); none for paths no route has. */
  route?: string;
  method: string;
  /** Sent exactly as written: no URL normalisation or percent-encoding. */
  path: string;
  body?: string | Buffer;
  contentType?: string | null;
  /** The Authorization header; the admin key when absent, none when null. */
  authorization?: string | null;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function send(hostile: Hostile): Promise<Answer> {
  const url = new URL(stack.apiUrl);
  const headers: Record<string, string> = {};
  const authorization =
    hostile.authorization === undefined ? `ApiKey ${stack.adminKey}` : hostile.authorization;
  if (authorization !== null) headers.authorization = authorization;
  const contentType = hostile.contentType === undefined ? 'application/json' : hostile.contentType;
  if (hostile.body !== undefined && contentType !== null) headers['content-type'] = contentType;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: url.hostname, port: url.port, method: hostile.method, path: hostile.path, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(hostile.body);
  });
}

const UUID = '6a0f7c2e-1b7d-4a57-9b3b-3f1c2d4e5f60';
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Values that go wherever a JSON value may: wrong types, extremes, nesting, odd text. */
const HOSTILE_VALUES: [string, string][] = [
  ['null', 'null'],
  ['true', 'true'],
  ['a number', '42'],
  ['a huge number', '1e400'],
  ['a negative number', '-1'],
  ['a fraction', '0.5'],
  ['a big integer', '123456789012345678901234567890'],
  ['an empty string', '""'],
  ['an empty array', '[]'],
  ['an empty object', '{}'],
  ['a deep array', deepArray(5_000)],
  ['a deep object', deepObject(5_000)],
  ['a very deep array', deepArray(200_000)],
  ['an overlong string', JSON.stringify('x'.repeat(300_000))],
  ['control characters', JSON.stringify('a\u0000b\u0007c\u001b[31m\r\n')],
  ['a lone surrogate', '"\\ud800x"'],
  ['right-to-left and emoji', JSON.stringify('\u202eevil\u{1F4A9}')],
  ['path traversal', JSON.stringify('../../../../etc/passwd')],
  ['an encoded traversal', JSON.stringify('..%2f..%2f..%2fetc')],
  ['a URL', JSON.stringify('http://169.254.169.254/latest/meta-data')],
  ['a prototype key', '{"__proto__":{"admin":true}}'],
];

/** Whole bodies that are not the object a route expects. */
const HOSTILE_BODIES: [string, string | Buffer][] = [
  ['truncated JSON', '{"space":'],
  ['trailing garbage', '{} x'],
  ['a single quote', "{'a':1}"],
  ['NaN', 'NaN'],
  ['a byte-order mark', '\ufeff{}'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
  ['NUL bytes', Buffer.alloc(64)],
  ['whitespace only', '   \n\t '],
  ['an array of objects', '[{},{}]'],
  ['a duplicated key', '{"a":1,"a":2}'],
  [
    '200,000 unknown fields',
    JSON.stringify(Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`f${i}`, 0]))),
  ],
  ...HOSTILE_VALUES,
];

const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'POST /uploads': { space: 'digitised', filename: 'b1.tar.gz', size: 10 },
  'POST /uploads/complete': {
    path: 'digitised/hostile/b1.tar.gz',
    uploadId: 'no-such-upload',
    parts: [{ partNumber: 1, etag: 'e' }],
  },
  'POST /uploads/parts': {
    path: 'digitised/hostile/b1.tar.gz',
    uploadId: 'no-such-upload',
    partNumbers: [1],
  },
  'POST /ingests': {
    type: 'Ingest',
    space: { id: 'digitised', type: 'Space' },
    bag: { type: 'Bag', info: { type: 'BagInfo', externalIdentifier: 'hostile-b1' } },
    ingestType: { id: 'create', type: 'IngestType' },
    sourceLocation: {
      type: 'Location',
      provider: { type: 'Provider', id: 'amazon-s3' },
      bucket: 'bagvault-uploads',
      path: 'digitised/hostile/none.tar.gz',
    },
  },
  'POST /ingests/{id}/action': { action: 'cancel' },
  'POST /carts/{cartId}': {
    fileids: [{ id: 'digitised/hostile/v1/data/a.txt', path: 'a.txt', hashtype: 'sha256', hashsum: '' }],
  },
};

/** Every dotted path to a leaf (and to each object) of a template body. */
function fieldPaths(value: unknown, at: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [at];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item] as const)
    : Object.entries(value);
  return [
    ...(at.length > 0 ? [at] : []),
    ...entries.flatMap(([name, item]) => fieldPaths(item, [...at, name])),
  ];
}

/** The template as JSON text with the value at `path` replaced by raw JSON text. */
function withRaw(template: unknown, path: string[], raw: string): string {
  const marker = `"@@HOSTILE-${Math.random()}@@"`;
  const copy = structuredClone(template) as Record<string, unknown>;
  let parent: Record<string, unknown> = copy;
  for (const name of path.slice(0, -1)) parent = parent[name] as Record<string, unknown>;
  parent[path.at(-1) as string] = JSON.parse(marker);
  return JSON.stringify(copy).replace(marker, raw);
}

const ordinaryParameter = (name: string) =>
  name === '{id}' ? UUID : name === '{space}' ? 'digitised' : name === '{proxy+}' ? 'hostile-b1' : 'cart1';
const ordinaryPath = (path: string) => path.replace(/\{[^}]+\}/g, ordinaryParameter);

const HOSTILE_SEGMENTS: [string, string][] = [
  ['bad percent-encoding', '%ZZ'],
  ['a lone percent', '%'],
  ['a truncated escape', '%E0%A4%A'],
  ['an invalid UTF-8 escape', '%C0%AE%C0%AE'],
  ['an encoded NUL', 'a%00b'],
  ['encoded control characters', '%1b%5b31m%0d%0a'],
  ['a dot-dot', '..'],
  ['an encoded dot-dot', '%2e%2e'],
  ['an encoded slash traversal', '..%2f..%2f..%2fetc%2fpasswd'],
  ['a backslash traversal', '..%5c..%5cwindows'],
  ['an overlong segment', 'a'.repeat(8_000)],
  ['unicode', '%F0%9F%92%A9%E2%80%AE'],
  ['a lone surrogate escape', '%ED%A0%80'],
  ['a space', 'a%20b'],
];

/**
 * Well-formed cursors for the spaces list with key values DynamoDB refuses (empty, over 1 KB):
 * they must be refused as cursors, never reach the table.
 */
function forgedCursors(): [string, string][] {
  const cursor = (values: Record<string, string>) =>
    `next=${Buffer.from(JSON.stringify(values)).toString('base64url')}`;
  const keys = (value: string) => ({ pk: value, sk: value, gsi1pk: 'SPACES', gsi1sk: value });
  return [
    ['a forged cursor with empty keys', cursor(keys(''))],
    ['a forged cursor with 2 KB keys', cursor(keys('k'.repeat(2_048)))],
    ['a forged cursor with an empty partition', cursor({ ...keys('x'), gsi1pk: '' })],
  ];
}

const HOSTILE_QUERIES: [string, string][] = [
  ['limit 0', 'limit=0'],
  ['limit -1', 'limit=-1'],
  ['limit 1001', 'limit=1001'],
  ['a text limit', 'limit=abc'],
  ['an exponent limit', 'limit=1e3'],
  ['a fractional limit', 'limit=1.5'],
  ['an empty limit', 'limit='],
  ['a huge limit', 'limit=999999999999999999999999999'],
  ['two limits', 'limit=1&limit=2'],
  ['a badly encoded limit', 'limit=%ZZ'],
  ['garbage next', 'next=garbage'],
  ['a lone percent next', 'next=%'],
  ['an empty next', 'next='],
  ['next of an empty object', `next=${Buffer.from('{}').toString('base64url')}`],
  ['next of an array', `next=${Buffer.from('[1]').toString('base64url')}`],
  ['next of a deep array', `next=${Buffer.from(deepArray(5_000)).toString('base64url')}`],
  ['an overlong next', `next=${'A'.repeat(20_000)}`],
  ...forgedCursors(),
  ['a bad space', 'space=..%2f..'],
  ['an unknown space', 'space=no-such-space'],
  ['an unknown status', 'status=%00'],
  ['an unknown parameter', 'foo=bar'],
  ['an overlong space', `space=${'a'.repeat(5_000)}`],
  ['a bad version', 'version=%ZZ'],
  ['a bad before', 'before=v0'],
];

const HOSTILE_AUTHORIZATIONS: [string, string | null][] = [
  ['no key', null],
  ['an empty key', 'ApiKey '],
  ['a key without a secret', 'ApiKey admin'],
  ['a key with extra colons', 'ApiKey admin:a:b:c'],
  ['an overlong key', `ApiKey admin:${'s'.repeat(10_000)}`],
  ['a latin-1 key', 'ApiKey \u00e9:\u00ff'],
  ['a bearer token', 'Bearer abc'],
];

/** The values thrown at each field of a body (the whole list goes at the body itself). */
const FIELD_VALUES = HOSTILE_VALUES.filter(([name]) =>
  [
    'a number',
    'an empty object',
    'a deep array',
    'a deep object',
    'an overlong string',
    'control characters',
    'a lone surrogate',
    'path traversal',
    'a huge number',
  ].includes(name),
);

const QUERY_ROUTES = new Set(['GET /spaces', 'GET /ingests', 'GET /bags', 'GET /bags/{space}/{proxy+}']);

function hostileRequests(): Hostile[] {
  const requests: Hostile[] = [];
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    const first = requests.length;
    const path = ordinaryPath(route.path);
    const template = VALID_BODIES[key];
    if (template) {
      for (const [name, body] of HOSTILE_BODIES)
        requests.push({ name: `${key} with ${name} as the body`, method: route.method, path, body });
      for (const field of fieldPaths(template))
        for (const [name, raw] of FIELD_VALUES)
          requests.push({
            name: `${key} with ${name} at .${field.join('.')}`,
            method: route.method,
            path,
            body: withRaw(template, field, raw),
          });
      const body = JSON.stringify(template);
      requests.push({
        name: `${key} with an unknown field`,
        method: route.method,
        path,
        body: JSON.stringify({ ...template, extra: 1 }),
      });
      for (const contentType of [
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        '\u0001',
      ])
        requests.push({
          name: `${key} as ${JSON.stringify(contentType)}`,
          method: route.method,
          path,
          body,
          contentType: contentType.replace(/[^\x20-\x7e]/g, '') || 'x',
        });
      requests.push({ name: `${key} without a body`, method: route.method, path });
      requests.push({ name: `${key} with an empty body`, method: route.method, path, body: '' });
      requests.push({
        name: `${key} without a content type`,
        method: route.method,
        path,
        body: '{"a":',
        contentType: null,
      });
    }
    const parameters = route.path.match(/\{[^}]+\}/g) ?? [];
    for (const parameter of parameters)
      for (const [name, segment] of HOSTILE_SEGMENTS)
        requests.push({
          name: `${key} with ${name} as ${parameter}`,
          method: route.method,
          path: route.path.replace(/\{[^}]+\}/g, (found) =>
            found === parameter ? segment : ordinaryParameter(found),
          ),
          body: template ? JSON.stringify(template) : undefined,
        });
    // Every query at the routes that read one; two at the rest (unknown parameters are ignored).
    const queries = QUERY_ROUTES.has(key) ? HOSTILE_QUERIES : HOSTILE_QUERIES.slice(0, 2);
    if (route.method === 'GET')
      for (const [name, query] of queries)
        requests.push({
          name: `${key} with ${name}`,
          method: route.method,
          path: `${path}?${query}`.replace(
            '?',
            route.path === '/ingests' && !query.startsWith('space') ? '?space=digitised&' : '?',
          ),
        });
    if (route.role !== undefined)
      for (const [name, authorization] of HOSTILE_AUTHORIZATIONS)
        requests.push({
          name: `${key} with ${name}`,
          method: route.method,
          path,
          authorization,
          body: template ? '{' : undefined,
        });
    for (const request of requests.slice(first)) request.route = key;
  }
  for (const segment of ['%ZZ', '..%2f..', '%00', 'a'.repeat(8_000)])
    requests.push({ name: `an unknown path ${segment.slice(0, 20)}`, method: 'GET', path: `/${segment}` });
  requests.push({ name: 'a traversal past the root', method: 'GET', path: '/../../etc/passwd' });
  // HTTP/1.1 allows the absolute form; the host in it is not where the request goes.
  requests.push({
    name: 'an absolute-form target',
    method: 'GET',
    path: 'http://evil.example/spaces',
    route: 'GET /spaces',
  });
  requests.push({ name: 'an asterisk target', method: 'OPTIONS', path: '*' });
  for (const method of ['PUT', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'])
    requests.push({ name: `${method} /ingests`, method, path: '/ingests', body: '{}' });
  requests.push({ name: 'an empty authority', method: 'GET', path: '//' });
  requests.push({ name: 'a protocol-relative target', method: 'GET', path: '//evil.example/spaces' });
  return requests;
}

/**
 * The documented non-error answers a hostile request may still get, by route: a list query that
 * is valid after all, an upload, ingest or cart created although optional fields were null, a
 * cart that is not ready. Anything else must be an error in the one shape; HEAD answers carry no
 * body, so for them only the status counts.
 */
const DOCUMENTED_SUCCESS: Record<string, number[]> = {
  'GET /healthcheck': [200],
  'GET /spaces': [200],
  'GET /spaces/{id}': [200],
  'POST /uploads': [201],
  'POST /uploads/complete': [200],
  // The local S3 cannot list parts, so it cannot tell an unknown upload id; S3 can (404).
  'POST /uploads/parts': [200],
  'POST /ingests': [201],
  'GET /ingests': [200],
  'GET /ingests/{id}': [200],
  'POST /ingests/{id}/action': [202],
  'GET /bags': [200],
  'GET /bags/{space}/{proxy+}': [200, 302, 307],
  'POST /carts/{cartId}': [201],
  'HEAD /carts/{cartId}': [204],
  'GET /carts/{cartId}': [202, 302],
  'DELETE /carts/{cartId}': [200],
};

const isDocumentedSuccess = (hostile: Hostile, answer: Answer) =>
  (hostile.route !== undefined && (DOCUMENTED_SUCCESS[hostile.route] ?? []).includes(answer.status)) ||
  (hostile.method === 'HEAD' && answer.status < 500);

/** No answer repeats a long value the client sent: they are cut to an excerpt. */
const ECHO = /x{200}|a{600}|s{200}|A{200}/;

describe('hostile requests against every route', () => {
  it('are answered below 500, errors in the one error shape', async () => {
    const requests = hostileRequests();
    expect(requests.length).toBeGreaterThan(300);
    const started = Date.now();
    const answers = await mapConcurrently(requests, 8, async (hostile) => ({
      hostile,
      answer: await send(hostile),
    }));

    const byStatus: Record<number, number> = {};
    const wrong: string[] = [];
    for (const { hostile, answer } of answers) {
      byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
      if (answer.status >= 500) wrong.push(`${hostile.name}: ${answer.status} ${answer.body.slice(0, 200)}`);
      else if (ECHO.test(answer.body))
        wrong.push(`${hostile.name}: echoes a long value: ${answer.body.slice(0, 200)}`);
      else if (!isDocumentedSuccess(hostile, answer)) {
        let body: unknown;
        try {
          body = JSON.parse(answer.body);
        } catch {
          body = answer.body;
        }
        const shaped =
          answer.contentType.startsWith('application/json') &&
          typeof body === 'object' &&
          body !== null &&
          Object.keys(body).sort().join() === 'description,httpStatus,label,type' &&
          (body as { type: unknown }).type === 'Error' &&
          (body as { httpStatus: unknown }).httpStatus === answer.status;
        if (!shaped)
          wrong.push(
            `${hostile.name}: ${answer.status} not in the error shape: ${answer.body.slice(0, 200)}`,
          );
      }
    }
    console.log(
      `${requests.length} hostile requests in ${Date.now() - started} ms, answers by status: ${JSON.stringify(byStatus)}`,
    );
    expect(wrong).toEqual([]);
    // However many problems a body has, the answer stays small (Lambda answers at most 6 MB).
    expect(Math.max(...answers.map(({ answer }) => answer.body.length))).toBeLessThan(64 * 1024);
  });
});

describe('POST /uploads/complete with an upload id the local S3 does not know', () => {
  const complete = (body: unknown) =>
    stack.api('/uploads/complete', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('answers 400 naming the id (s3rver answers InternalError and has no ListParts to ask)', async () => {
    const response = await complete({
      path: 'digitised/hostile/b1.tar.gz',
      uploadId: 'f00dfeed',
      parts: [{ partNumber: 1, etag: '"0123abcd"' }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'Error',
      description: expect.stringContaining('could not complete upload "f00dfeed"') as unknown,
    });
  });

  it.each([
    ['a traversal', '../../bagvault-primary'],
    ['a slash', 'a/b'],
    ['a control character', 'a\u0000b'],
  ])('refuses %s in the upload id before S3 sees it', async (_name, uploadId) => {
    const response = await complete({
      path: 'digitised/hostile/b1.tar.gz',
      uploadId,
      parts: [{ partNumber: 1, etag: 'e' }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      description: 'Invalid value at .uploadId: is not an upload id POST /uploads issued.',
    });
  });
});

describe('a body with more problems than an answer should list', () => {
  it('is answered with the first 100 problems and a count of the rest', async () => {
    const fields = Object.fromEntries(Array.from({ length: 5_000 }, (_, index) => [`f${index}`, 0]));
    const answer = await stack.api('/uploads', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ space: 'digitised', filename: 'b.tar.gz', size: 1, ...fields }),
    });
    const { description } = (await answer.json()) as { description: string };
    const lines = description.split('\n');
    expect(answer.status).toBe(400);
    expect(lines).toHaveLength(101);
    expect(lines[0]).toBe(
      'Invalid value at .f0: unknown field; valid fields are: space, filename, size, multipart.',
    );
    expect(lines[100]).toBe('…and 4,900 more.');
  });
});
