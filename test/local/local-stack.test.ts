import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { freePort, freePorts, startTestStack } from '../support/local-stack.ts';
import { spawnLocalStack } from '../support/local-stack-process.ts';
import { localS3 } from '../support/s3-client.ts';

describe('the local stack', () => {
  it('keeps objects, records and keys across a restart', async () => {
    let stack = await startTestStack({ adminKey: undefined });
    const generatedKey = stack.adminKey;
    await localS3(stack).send(
      new PutObjectCommand({ Bucket: stack.buckets.uploads, Key: 'kept.txt', Body: 'still here' }),
    );
    stack = await stack.restart();
    try {
      expect(stack.adminKey).toBe(generatedKey);
      expect((await stack.api('/spaces')).status).toBe(200);
      const { Body } = await localS3(stack).send(
        new GetObjectCommand({ Bucket: stack.buckets.uploads, Key: 'kept.txt' }),
      );
      expect(await (Body as { transformToString(): Promise<string> }).transformToString()).toBe('still here');
    } finally {
      await stack.destroy();
    }
  });

  it('names the busy port and the variable to change', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startTestStack({ apiPort: port })).rejects.toThrow(
        `Port ${port} for the local HTTP API is already in use. Stop whatever holds it or choose another port with BAGVAULT_PORT=<port>.`,
      );
    } finally {
      blocker.close();
    }
  });

  it('runs as `npm start` runs it, answers /healthcheck, and frees every port on SIGTERM', async () => {
    const home = await mkdtemp(join(tmpdir(), 'bagvault-start-'));
    const ports = await freePorts();
    const child = spawnLocalStack({
      home,
      ports,
      adminKey: 'admin:start-test-secret',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      child.stdout?.on('data', (chunk) => (output += chunk));
      child.stderr?.on('data', (chunk) => (output += chunk));
      const deadline = Date.now() + 30_000;
      while (!output.includes('Admin API key') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(output).toContain(`API:              http://127.0.0.1:${ports.apiPort}`);
      expect(output).toContain('bagvault-uploads');
      expect(output).toContain('admin:start-test-secret');
      expect((await fetch(`http://127.0.0.1:${ports.apiPort}/healthcheck`)).status).toBe(200);
      const unauthorised = await fetch(`http://127.0.0.1:${ports.apiPort}/spaces`);
      expect(unauthorised.status).toBe(401);

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const port of Object.values(ports)) {
        const probe = createServer();
        await new Promise<void>((resolve, reject) => {
          probe.once('error', reject);
          probe.listen(port, '127.0.0.1', resolve);
        });
        probe.close();
      }
    } finally {
      child.kill('SIGKILL');
      await rm(home, { recursive: true, force: true });
    }
  });
});
