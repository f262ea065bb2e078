import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { freePorts, startTestStack, type TestStack } from '../support/local-stack.ts';
import { spawnLocalStack } from '../support/local-stack-process.ts';
import { ingestArchive } from '../support/ingests.ts';

// Another user: an admin key is stored per user, in the table both stacks share.
const SECOND_KEY = 'second-admin:second-stack-secret';

/** Waits until `npm start` has printed its banner (or fails with what it printed instead). */
async function started(child: ReturnType<typeof spawnLocalStack>): Promise<string> {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 45_000;
  while (!output.includes('Admin API key')) {
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`the second stack did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return output;
}

async function download(apiUrl: string, key: string, path: string): Promise<Buffer> {
  const redirect = await fetch(`${apiUrl}${path}`, {
    headers: { authorization: `ApiKey ${key}` },
    redirect: 'manual',
  });
  expect(redirect.status, path).toBe(302);
  const object = await fetch(redirect.headers.get('location') as string);
  expect(object.status).toBe(200);
  return Buffer.from(await object.arrayBuffer());
}

describe('a local stack on existing S3 and DynamoDB endpoints', () => {
  it("ingests into another stack's S3 and DynamoDB, and each stack reads what the other stored", async () => {
    const first: TestStack = await startTestStack();
    const home = await mkdtemp(join(tmpdir(), 'bagvault-second-'));
    const ports = await freePorts();
    const second = spawnLocalStack({
      home,
      ports,
      adminKey: SECOND_KEY,
      env: {
        BAGVAULT_S3_ENDPOINT: first.s3Endpoint,
        BAGVAULT_S3_ACCESS_KEY_ID: first.s3Credentials.accessKeyId,
        BAGVAULT_S3_SECRET_ACCESS_KEY: first.s3Credentials.secretAccessKey,
        BAGVAULT_DYNAMODB_ENDPOINT: first.dynamoDBEndpoint,
        BAGVAULT_DYNAMODB_ACCESS_KEY_ID: 'other-key',
        BAGVAULT_DYNAMODB_SECRET_ACCESS_KEY: 'other-secret',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const banner = await started(second);
      expect(banner).toContain(`S3 endpoint:      ${first.s3Endpoint}  (external)`);
      expect(banner).toContain(`DynamoDB:         ${first.dynamoDBEndpoint}  (table bagvault, external)`);
      const secondApi = `http://127.0.0.1:${ports.apiPort}`;
      const secondStack = {
        ...first,
        apiUrl: secondApi,
        adminKey: SECOND_KEY,
        api: (path: string, init: RequestInit = {}) =>
          fetch(`${secondApi}${path}`, {
            ...init,
            headers: { ...(init.headers as Record<string, string>), authorization: `ApiKey ${SECOND_KEY}` },
            redirect: 'manual',
          }),
      } as TestStack;

      // Stored by the second stack's workflows in the first stack's servers, read through the first's API.
      const fromSecond = await ingestArchive(
        secondStack,
        { space: 'digitised', externalIdentifier: 'from-second' },
        await bagToTarGz(identifiedBag('from-second', { 'data/a.txt': 'stored by the second stack\n' })),
      );
      expect(fromSecond.status.id, JSON.stringify(fromSecond.events)).toBe('succeeded');
      const readByFirst = await download(
        first.apiUrl,
        first.adminKey,
        '/bags/digitised/from-second/files/data/a.txt',
      );
      expect(readByFirst.toString()).toBe('stored by the second stack\n');

      // And the other way round.
      const fromFirst = await ingestArchive(
        first,
        { space: 'digitised', externalIdentifier: 'from-first' },
        await bagToTarGz(identifiedBag('from-first', { 'data/b.txt': 'stored by the first stack\n' })),
      );
      expect(fromFirst.status.id).toBe('succeeded');
      const readBySecond = await download(
        secondApi,
        SECOND_KEY,
        '/bags/digitised/from-first/files/data/b.txt',
      );
      expect(readBySecond.toString()).toBe('stored by the first stack\n');
      const ingest = await fetch(`${secondApi}/ingests/${fromFirst.id}`, {
        headers: { authorization: `ApiKey ${SECOND_KEY}` },
      });
      expect(((await ingest.json()) as { status: { id: string } }).status.id).toBe('succeeded');
    } finally {
      const exited = new Promise((resolve) => second.once('exit', resolve));
      second.kill('SIGTERM');
      await exited;
      await first.destroy();
      await rm(home, { recursive: true, force: true });
    }
  }, 120_000);
});
