/**
 * SPEC §5.2: a key can only ingest what was uploaded for a space it may ingest into. The attack of
 * issue 8: a key with `ingest` on `digitised` names another space's upload as its source, to learn
 * the bag's External-Identifier from a failure event (or to ingest its files as its own).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../lambdas/auth/api-key-repository.ts';
import { errorOf, postJson } from '../support/api-client.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestRequest, uploadArchive, waitForIngest } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

const SECRET_NAME = 'born-digital-secret-bag';
let stack: TestStack;
let digitiser: string;
/** Another space's upload, as POST /uploads would have placed it. */
let foreignUpload: string;

beforeAll(async () => {
  stack = await startTestStack();
  ({ apiKey: digitiser } = await createApiKey({
    user: 'digitiser',
    spaces: ['digitised'],
    roles: ['ingest', 'read'],
  }));
  foreignUpload = `born-digital/${randomUUID()}/mail.tar.gz`;
  const bag = identifiedBag(SECRET_NAME, { 'data/mail.eml': 'From: someone\n' });
  await uploadArchive(stack, foreignUpload, await bagToTarGz(bag));
});
afterAll(async () => {
  await stack?.destroy();
});

const asDigitiser = (path: string, bucket = stack.buckets.uploads) =>
  postJson(
    stack,
    '/ingests',
    ingestRequest({ space: 'digitised', externalIdentifier: 'stolen', path, bucket }),
    { key: digitiser },
  );

const OUTSIDE =
  'Invalid value at .sourceLocation.path: must be an upload of space "digitised": a key under "digitised/" in the upload bucket, where POST /uploads puts it.';

describe('an ingest whose source is not an upload of its own space', () => {
  it('is refused with the same 400 whether or not an object exists there', async () => {
    const existing = await errorOf(await asDigitiser(foreignUpload), 400);
    const missing = await errorOf(await asDigitiser(`born-digital/${randomUUID()}/mail.tar.gz`), 400);
    expect(existing).toBe(OUTSIDE);
    expect(missing).toBe(existing);
  });

  it.each([
    ['a ".." segment climbing out of the space', (key: string) => `digitised/../${key}`],
    ['a "." segment', (key: string) => `digitised/./../${key}`],
    ['the bare space prefix', () => 'digitised/'],
    ['a prefix that only starts like the space', (key: string) => `digitised-other/${key}`],
    ['a key at the top of the bucket', () => 'mail.tar.gz'],
  ])('refuses %s', async (_name, pathOf) => {
    const description = await errorOf(await asDigitiser(pathOf(foreignUpload)), 400);
    expect(description).toMatch(/^Invalid value at \.sourceLocation\.path: must /);
  });

  it('refuses another bucket, whatever it holds', async () => {
    const description = await errorOf(
      await asDigitiser(`digitised/${randomUUID()}/a.tar.gz`, 'bagvault-primary'),
      400,
    );
    expect(description).toMatch(/^Invalid value at \.sourceLocation\.bucket: got "bagvault-primary"/);
  });

  it('leaves no ingest and no event anywhere that mentions the other bag', async () => {
    await asDigitiser(foreignUpload);
    for (const space of ['digitised', 'born-digital']) {
      const listed = await stack.api(`/ingests?space=${space}&limit=1000`);
      const text = await listed.text();
      expect(listed.status).toBe(200);
      expect(text).not.toContain(SECRET_NAME);
      expect(text).not.toContain(foreignUpload);
    }
  });

  it('still lets the key ingest its own space’s upload (the control)', async () => {
    const own = `digitised/${randomUUID()}/own.tar.gz`;
    const bag = identifiedBag('own-bag', { 'data/a.txt': 'own\n' });
    await uploadArchive(stack, own, await bagToTarGz(bag));
    const response = await postJson(
      stack,
      '/ingests',
      ingestRequest({
        space: 'digitised',
        externalIdentifier: 'own-bag',
        path: own,
        bucket: stack.buckets.uploads,
      }),
      { key: digitiser },
    );
    expect(response.status).toBe(201);
    const ingest = await waitForIngest(stack, ((await response.json()) as { id: string }).id);
    expect(ingest.status.id).toBe('succeeded');
  });
});
