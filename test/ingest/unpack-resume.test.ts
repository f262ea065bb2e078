import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../../lambdas/aws-clients.ts';
import type { UnpackCheckpoint } from '../../lambdas/ingest-workflow/unpack-checkpoint.ts';
import { getJson } from '../../lambdas/storage/s3-objects.ts';
import { unpackCheckpointKey } from '../../lambdas/ingest-workflow/work-area.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { startIngest, uploadArchive, waitForIngest } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

const CHILD = fileURLToPath(new URL('./unpack-until-checkpoint.ts', import.meta.url));
const FILES = 120;
const CHECKPOINT_FILES = 50;

let stack: TestStack;
/** Keys the in-process handlers PUT (the resumed Unpack runs here, the killed one did not). */
const putKeys: string[] = [];
let killedRun: { checkpointed: boolean; code: number | null; signal: string | null } | undefined;
/** The checkpoint the killed run left. */
let checkpoint: UnpackCheckpoint | undefined;

/** The first Unpack runs in a child process, killed mid-way once it has stored a checkpoint. */
function killMidway(ingestId: string): Promise<NonNullable<typeof killedRun>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ingestId], { stdio: ['ignore', 'pipe', 'inherit'] });
    let checkpointed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('checkpointed')) return;
      checkpointed = true;
      child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ checkpointed, code, signal }));
  });
}

beforeAll(async () => {
  stack = await startTestStack({
    settings: { unpackCheckpointFiles: String(CHECKPOINT_FILES) },
    taskHooks: {
      beforeTask: async (state, input) => {
        if (state !== 'Unpacking' || killedRun) return;
        const { ingestId } = input as { ingestId: string };
        killedRun = await killMidway(ingestId);
        checkpoint = await getJson<UnpackCheckpoint>(stack.buckets.unpack, unpackCheckpointKey(ingestId));
        s3().middlewareStack.add(
          (next) => async (args) => {
            if (args.input && typeof (args.input as { Key?: unknown }).Key === 'string') {
              const request = args.request as { method?: string } | undefined;
              if (request?.method === 'PUT') putKeys.push((args.input as { Key: string }).Key);
            }
            return next(args);
          },
          { step: 'finalizeRequest', name: 'countPuts' },
        );
      },
    },
  });
});
afterAll(async () => {
  await stack?.destroy();
});

describe('an Unpack killed mid-way', () => {
  it('resumes from its checkpoint without storing finished files again, and the ingest succeeds', async () => {
    const payload: Record<string, string> = {};
    for (let i = 0; i < FILES; i++) payload[`data/f${String(i).padStart(4, '0')}.txt`] = `file ${i}\n`;
    const bag = identifiedBag('resumed', payload);
    await uploadArchive(stack, 'digitised/resumed.tar.gz', await bagToTarGz(bag));
    const ingest = await startIngest(stack, {
      space: 'digitised',
      externalIdentifier: 'resumed',
      path: 'digitised/resumed.tar.gz',
    });
    const done = await waitForIngest(stack, ingest.id, 120_000);

    expect(killedRun).toEqual({ checkpointed: true, code: null, signal: 'SIGKILL' });
    expect(done.status.id).toBe('succeeded');
    expect(done.events.map((event) => event.description)).toContainEqual(
      expect.stringMatching(new RegExp(`^Unpacking succeeded - Unpacked .* from ${bag.size} files$`)),
    );
    // bagToTarGz writes the files in the bag's order under bag/: the checkpoint covers the first ones.
    const inArchiveOrder = [...bag.keys()].map((path) => `digitised/${ingest.id}/bag/${path}`);
    const finished = checkpoint?.files ?? 0;
    expect(finished).toBeGreaterThan(0);
    expect(finished).toBeLessThan(bag.size);
    const stored = putKeys.filter((key) => key.startsWith(`digitised/${ingest.id}/`));
    expect(stored.sort()).toEqual(inArchiveOrder.slice(finished).sort());
  }, 180_000);
});
