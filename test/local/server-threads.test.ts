import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestStack } from '../support/local-stack.ts';

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
});
