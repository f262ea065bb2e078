import { createServer } from 'node:net';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { identifiedBag } from '../fixtures/bag-builder.ts';
import { bagToTarGz } from '../fixtures/tar-builder.ts';
import { ingestArchive } from '../support/ingests.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

describe('the local S3, DynamoDB and HTTP API in their own threads', () => {
  for (const [index, server] of ['S3', 'DynamoDB', 'HTTP API'].entries()) {
    it(`stops the whole stack, freeing every port, when the ${server} server dies`, async () => {
      const stack = await startTestStack({ apiThread: true });
      try {
        expect((await stack.api('/spaces')).status).toBe(200);
        await stack.serverThreads[index]?.kill();
        const error = await stack.failed;
        expect(error.message).toContain(`The local ${server} stopped unexpectedly`);
        const ports = [
          stack.apiUrl,
          stack.s3Endpoint,
          stack.dynamoDBEndpoint,
          stack.stepFunctionsEndpoint,
        ].map((url) => Number(new URL(url).port));
        for (const port of ports) expect(await portIsFree(port), `port ${port}`).toBe(true);
      } finally {
        await stack.destroy();
      }
    });
  }

  it("answers GET /ingests/{id} while the workflows' thread is blocked in the middle of that ingest", async () => {
    let answered: number | undefined;
    const stack: TestStack = await startTestStack({
      apiThread: true,
      taskHooks: {
        beforeTask: (state, input) => {
          if (state !== 'DetectingBagRoot') return;
          // A user's client, in a thread of its own, asks for the ingest and writes down the status.
          const status = new Int32Array(new SharedArrayBuffer(4));
          const client = new Worker(
            `const { workerData: { url, key, status } } = require('node:worker_threads');
            fetch(url, { headers: { authorization: 'ApiKey ' + key } }).then((response) => {
              Atomics.store(status, 0, response.status);
              Atomics.notify(status, 0);
            });`,
            {
              eval: true,
              workerData: {
                url: `${stack.apiUrl}/ingests/${(input as { ingestId: string }).ingestId}`,
                key: stack.adminKey,
                status,
              },
            },
          );
          // Meanwhile this thread (the workflows', S3 and DynamoDB clients included) runs nothing at all.
          Atomics.wait(status, 0, 0, 30_000);
          answered = Atomics.load(status, 0);
          void client.terminate();
        },
      },
    });
    try {
      const ingest = await ingestArchive(
        stack,
        { space: 'digitised', externalIdentifier: 'api-while-blocked' },
        await bagToTarGz(identifiedBag('api-while-blocked', { 'data/a.txt': 'a\n' })),
      );
      expect(ingest.status.id).toBe('succeeded');
      expect(answered).toBe(200);
    } finally {
      await stack.destroy();
    }
  });
});
