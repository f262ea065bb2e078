import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { startIngest, uploadArchive, waitForIngest } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
const statesRun: string[] = [];
const ARCHIVE_LIMIT = 4096;

beforeAll(async () => {
  stack = await startTestStack({
    // Archives above 4 KB take the Fargate path, which the local stack runs in-process.
    settings: { fargateUnpackAboveBytes: String(ARCHIVE_LIMIT) },
    taskHooks: {
      beforeTask: (state, input) => {
        statesRun.push(`${state} ${JSON.stringify(input).includes('TaskDefinition') ? 'ecs' : 'lambda'}`);
      },
    },
  });
});
afterAll(async () => {
  await stack?.destroy();
});

async function ingest(externalIdentifier: string, archive: Buffer) {
  statesRun.length = 0;
  await uploadArchive(stack, `digitised/${externalIdentifier}.tar.gz`, archive);
  const started = await startIngest(stack, {
    space: 'digitised',
    externalIdentifier,
    path: `digitised/${externalIdentifier}.tar.gz`,
  });
  return waitForIngest(stack, started.id);
}

describe('the Unpack step of a big archive', () => {
  it('runs as the ECS task of the same ASL, through the same handler, and the ingest succeeds', async () => {
    const payload: Record<string, Buffer> = {};
    for (let i = 0; i < 4; i++) payload[`data/${i}.bin`] = crypto.getRandomValues(Buffer.alloc(4096));
    const done = await ingest('big', await bagToTarGz(identifiedBag('big', payload)));
    expect(done.status.id).toBe('succeeded');
    expect(statesRun).toContain('UnpackingOnFargate ecs');
    expect(statesRun).not.toContain('Unpacking lambda');
    expect(done.events.map((event) => event.description)).toContainEqual(
      expect.stringMatching(/^Unpacking succeeded - Unpacked .* from 7 files$/),
    );
  });

  it('keeps the Lambda path for an archive at or below the limit', async () => {
    const bag = identifiedBag('small', { 'data/a.txt': 'small' });
    const archive = await bagToTarGz(bag);
    expect(archive.length).toBeLessThanOrEqual(ARCHIVE_LIMIT);
    const done = await ingest('small', archive);
    expect(done.status.id).toBe('succeeded');
    expect(statesRun).toContain('Unpacking lambda');
    expect(statesRun).not.toContain('UnpackingOnFargate ecs');
  });

  it('fails a refused archive with the refusal as its reason, as on the Lambda path', async () => {
    const done = await ingest('notgzip', Buffer.alloc(ARCHIVE_LIMIT * 2, 'x'));
    expect(done.status.id).toBe('failed');
    expect(
      statesRun.filter((state) => state === 'UnpackingOnFargate ecs'),
      'a refusal is final',
    ).toHaveLength(1);
    expect(done.events.map((event) => event.description)).toContainEqual(
      expect.stringMatching(/^Unpacking failed - Archive .*notgzip\.tar\.gz.* is not gzip/),
    );
  });
});
