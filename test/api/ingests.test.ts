import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../lambdas/auth/api-key-repository.ts';
import type { Ingest } from '../../lambdas/ingests/ingest.ts';
import { ensureSpace } from '../../lambdas/spaces/space-repository.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';
import { errorOf, postJson } from '../support/api-client.ts';
import { localS3 } from '../support/s3-client.ts';
import { ingestRequest, seedIngest } from './ingest-fixture.ts';

let stack: TestStack;
const DIGITISER = 'digitiser:digitiser-secret-0123456789';

beforeAll(async () => {
  stack = await startTestStack();
  await createApiKey(
    { user: 'digitiser', spaces: ['digitised'], roles: ['read', 'ingest'] },
    'digitiser-secret-0123456789',
  );
});
afterAll(async () => {
  await stack?.destroy();
});

const getJson = async <T>(path: string, key?: string) => {
  const response = await stack.api(path, { key });
  return { status: response.status, body: (await response.json()) as T };
};

describe('POST /ingests', () => {
  it('answers 201 with the accepted ingest and its Location, and starts its workflow', async () => {
    const request = ingestRequest(stack);
    const response = await postJson(stack, '/ingests', request);
    expect(response.status).toBe(201);
    const ingest = (await response.json()) as Ingest;
    expect(ingest.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(response.headers.get('location')).toBe(`${stack.apiUrl}/ingests/${ingest.id}`);
    expect(ingest).toEqual({
      id: ingest.id,
      type: 'Ingest',
      space: { id: 'digitised', type: 'Space' },
      bag: { type: 'Bag', info: { type: 'BagInfo', externalIdentifier: 'b1234' } },
      ingestType: { id: 'create', type: 'IngestType' },
      sourceLocation: request.sourceLocation,
      callback: {
        type: 'Callback',
        url: 'https://callbacks.invalid/b1234',
        status: { id: 'pending', type: 'CallbackStatus' },
      },
      status: { id: 'accepted', type: 'Status' },
      progress: { bytesTotal: 0, bytesDone: 0, filesTotal: 0, filesDone: 0 },
      events: [],
      createdDate: ingest.createdDate,
      lastModifiedDate: ingest.lastModifiedDate,
    });
    expect(Date.now() - Date.parse(ingest.createdDate)).toBeLessThan(60_000);

    const execution = [...stack.stepFunctions.executions.values()].find((run) => run.name === ingest.id);
    expect(execution?.input).toBe(JSON.stringify({ ingestId: ingest.id }));

    // The workflow runs on; which state it has reached is the workflow tests' business.
    const shown = await getJson<Ingest>(new URL(response.headers.get('location') as string).pathname);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id: ingest.id,
      space: ingest.space,
      bag: ingest.bag,
      createdDate: ingest.createdDate,
    });
    expect(shown.body).not.toHaveProperty('executionArn');
    expect(shown.body).not.toHaveProperty('currentStep');
  });

  it('keeps an update ingest of an identifier with slashes as sent', async () => {
    const request = ingestRequest(stack, {
      ingestType: { id: 'update', type: 'IngestType' },
      bag: { type: 'Bag', info: { type: 'BagInfo', externalIdentifier: 'PP/CRI/J/2' } },
    });
    const ingest = (await (await postJson(stack, '/ingests', request)).json()) as Ingest;
    expect(ingest.ingestType.id).toBe('update');
    expect(ingest.bag.info.externalIdentifier).toBe('PP/CRI/J/2');
  });
});

describe('GET /ingests/{id}', () => {
  it('answers 404 for an unknown id, and for a malformed one', async () => {
    const id = crypto.randomUUID();
    expect(await errorOf(await stack.api(`/ingests/${id}`), 404)).toBe(`Ingest ${id} not found`);
    expect(await errorOf(await stack.api('/ingests/not-a-uuid'), 404)).toBe('Ingest not-a-uuid not found');
  });

  it('answers 404 for an ingest in a space the key cannot use', async () => {
    const hidden = await seedIngest({ space: 'born-digital' });
    const response = await stack.api(`/ingests/${hidden.id}`, { key: DIGITISER });
    expect(await errorOf(response, 404)).toBe(`Ingest ${hidden.id} not found`);
    const visible = await seedIngest({ space: 'digitised' });
    expect((await stack.api(`/ingests/${visible.id}`, { key: DIGITISER })).status).toBe(200);
  });
});

describe('GET /ingests?space=&status=', () => {
  const seeded: Ingest[] = [];

  beforeAll(async () => {
    await ensureSpace('list-test', 'Ingest lists');
    await ensureSpace('other-list', 'Another space');
    for (let i = 0; i < 5; i++) {
      const createdDate = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
      seeded.push(
        await seedIngest({ space: 'list-test', createdDate, status: i % 2 ? 'failed' : undefined }),
      );
    }
    await seedIngest({ space: 'other-list' });
  });

  type Page = { type: string; results: Ingest[]; next?: string };

  it('lists newest first, page by page', async () => {
    const ids: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const query = `/ingests?space=list-test&limit=2${next ? `&next=${encodeURIComponent(next)}` : ''}`;
      const { status, body } = await getJson<Page>(query);
      expect(status).toBe(200);
      expect(body.type).toBe('ResultList');
      expect(body.results.length).toBeLessThanOrEqual(2);
      ids.push(...body.results.map((ingest) => ingest.id));
      next = body.next;
      pages += 1;
    } while (next && pages < 10);
    expect(ids).toEqual(seeded.map((ingest) => ingest.id).reverse());
  });

  it('filters by status', async () => {
    const { body } = await getJson<Page>('/ingests?space=list-test&status=failed');
    expect(body.results.map((ingest) => ingest.id)).toEqual([seeded[3]!.id, seeded[1]!.id]);
    expect(body.results.every((ingest) => ingest.status.id === 'failed')).toBe(true);
  });

  it('shows ingests in the API shape, without bookkeeping', async () => {
    const { body } = await getJson<Page>('/ingests?space=list-test&limit=1');
    expect(Object.keys(body.results[0]!).sort()).toEqual([
      'bag',
      'createdDate',
      'events',
      'id',
      'ingestType',
      'lastModifiedDate',
      'progress',
      'sourceLocation',
      'space',
      'status',
      'type',
    ]);
  });

  it('refuses a tampered cursor, and a cursor from another space', async () => {
    const { body } = await getJson<Page>('/ingests?space=list-test&limit=1');
    const tampered = `${body.next!.slice(0, -2)}AA`;
    expect(await errorOf(await stack.api(`/ingests?space=list-test&next=${tampered}`), 400)).toBe(
      'Invalid value at next: the cursor is not one this list issued.',
    );
    expect((await stack.api('/ingests?space=list-test&next=bm90LWEtY3Vyc29y')).status).toBe(400);
    expect((await stack.api(`/ingests?space=other-list&next=${body.next}`)).status).toBe(400);
  });

  it.each([
    ['/ingests', 'Invalid value at space: required query parameter not supplied.'],
    [
      '/ingests?space=Bad!',
      'Invalid value at space: must be 1 to 63 lower-case letters, digits or hyphens, starting with a letter or digit.',
    ],
    [
      '/ingests?space=list-test&status=done',
      'Invalid value at status: got "done", valid values are: accepted, processing, succeeded, failed, cancelled.',
    ],
    [
      '/ingests?space=list-test&limit=0',
      'Invalid value at limit: got "0", must be an integer from 1 to 1000.',
    ],
  ])('refuses %s', async (path, description) => {
    expect(await errorOf(await stack.api(path), 400)).toBe(description);
  });

  it('answers 404 for a space that does not exist or that the key cannot use', async () => {
    expect(await errorOf(await stack.api('/ingests?space=nowhere'), 404)).toBe('Space not found: nowhere');
    expect(await errorOf(await stack.api('/ingests?space=list-test', { key: DIGITISER }), 404)).toBe(
      'Space not found: list-test',
    );
  });
});

describe('POST /ingests/{id}/action', () => {
  const cancel = (id: string, key?: string) =>
    postJson(stack, `/ingests/${id}/action`, { action: 'cancel' }, { key });

  async function stage(key: string) {
    await localS3(stack).send(
      new PutObjectCommand({ Bucket: stack.buckets.unpack, Key: key, Body: 'staged' }),
    );
  }
  async function keysUnder(prefix: string) {
    const page = await localS3(stack).send(
      new ListObjectsV2Command({ Bucket: stack.buckets.unpack, Prefix: prefix }),
    );
    return (page.Contents ?? []).map((object) => object.Key);
  }

  it('cancels an accepted ingest: 202, status cancelled, the event, and its staged objects gone', async () => {
    const ingest = await seedIngest();
    const other = await seedIngest();
    await stage(`digitised/${ingest.id}/bag/bagit.txt`);
    await stage(`digitised/${ingest.id}/bag/data/a.tif`);
    await stage(`.work/${ingest.id}/unpacked/000000.json`);
    await stage(`digitised/${other.id}/bag/bagit.txt`);

    const response = await cancel(ingest.id);
    expect(response.status).toBe(202);
    expect(((await response.json()) as Ingest).status.id).toBe('cancelled');

    const { body } = await getJson<Ingest>(`/ingests/${ingest.id}`);
    expect(body.status.id).toBe('cancelled');
    expect(body.events.map((event) => event.description)).toEqual(['Ingest cancelled by admin']);
    expect(await keysUnder(`digitised/${ingest.id}/`)).toEqual([]);
    expect(await keysUnder(`.work/${ingest.id}/`)).toEqual([]);
    expect(await keysUnder(`digitised/${other.id}/`)).toEqual([`digitised/${other.id}/bag/bagit.txt`]);
  });

  it('names the user who cancelled', async () => {
    const ingest = await seedIngest();
    expect((await cancel(ingest.id, DIGITISER)).status).toBe(202);
    const { body } = await getJson<Ingest>(`/ingests/${ingest.id}`);
    expect(body.events.at(-1)?.description).toBe('Ingest cancelled by digitiser');
  });

  it.each(['Unpacking', 'Detecting bag root', 'Verification (pre-replicating to archive storage)'])(
    'cancels an ingest processing at "%s"',
    async (currentStep) => {
      const ingest = await seedIngest({ status: 'processing', currentStep });
      expect((await cancel(ingest.id)).status).toBe(202);
    },
  );

  it.each(['Assigning bag version', 'Replicating to primary location', 'Register'])(
    'refuses an ingest that has reached "%s" with 409',
    async (currentStep) => {
      const ingest = await seedIngest({ status: 'processing', currentStep });
      expect(await errorOf(await cancel(ingest.id), 409)).toBe(
        `You cannot cancel an ingest that is processing (at "${currentStep}"); ingests can be cancelled only before "Assigning bag version"`,
      );
      expect((await getJson<Ingest>(`/ingests/${ingest.id}`)).body.status.id).toBe('processing');
    },
  );

  it.each(['succeeded', 'failed'] as const)('refuses a %s ingest with 409', async (status) => {
    const ingest = await seedIngest({ status, currentStep: 'Register' });
    expect(await errorOf(await cancel(ingest.id), 409)).toBe(`You cannot cancel an ingest that is ${status}`);
  });

  it('refuses to cancel twice', async () => {
    const ingest = await seedIngest();
    expect((await cancel(ingest.id)).status).toBe(202);
    expect(await errorOf(await cancel(ingest.id), 409)).toBe('You cannot cancel an ingest that is cancelled');
  });

  it('refuses an unknown action', async () => {
    const ingest = await seedIngest();
    const response = await postJson(stack, `/ingests/${ingest.id}/action`, { action: 'pause' });
    expect(await errorOf(response, 400)).toBe(
      'Invalid value at .action: got "pause", valid values are: cancel.',
    );
    const empty = await postJson(stack, `/ingests/${ingest.id}/action`, { action: 'cancel', reason: 'x' });
    expect(await errorOf(empty, 400)).toBe(
      'Invalid value at .reason: unknown field; valid fields are: action.',
    );
  });

  it('answers 404 for an unknown ingest and for one in a space the key cannot use', async () => {
    const id = crypto.randomUUID();
    expect(await errorOf(await cancel(id), 404)).toBe(`Ingest ${id} not found`);
    const hidden = await seedIngest({ space: 'born-digital' });
    expect((await cancel(hidden.id, DIGITISER)).status).toBe(404);
    expect((await getJson<Ingest>(`/ingests/${hidden.id}`)).body.status.id).toBe('accepted');
  });

  it('stops the workflow of an ingest created through the API', async () => {
    const created = (await (await postJson(stack, '/ingests', ingestRequest(stack))).json()) as Ingest;
    const response = await cancel(created.id);
    // The workflow may already have moved the ingest on (e.g. failed it: no such source object).
    if (response.status === 409) return;
    expect(response.status).toBe(202);
    const execution = [...stack.stepFunctions.executions.values()].find((run) => run.name === created.id);
    expect(execution?.status).not.toBe('RUNNING');
  });
});
