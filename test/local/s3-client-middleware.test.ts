import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { forgetClients, s3 } from '../../lambdas/aws-clients.ts';

describe('the shared S3 client, which caches its resolved middleware per command', () => {
  it('runs middleware added after its first requests (request counters, fault injection)', async () => {
    forgetClients();
    const client = s3();
    const answered: string[] = [];
    // Answers without a server, so the test needs no endpoint.
    client.middlewareStack.add(
      () => async () => {
        answered.push('answer');
        return { output: { $metadata: {} }, response: {} };
      },
      { step: 'initialize', name: 'answerLocally' },
    );
    await client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));
    const seen: string[] = [];
    client.middlewareStack.add(
      (next) => (args) => {
        seen.push('counted');
        return next(args);
      },
      { step: 'initialize', priority: 'high', name: 'countLater' },
    );
    await client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));
    expect(seen).toEqual(['counted']);
    client.middlewareStack.remove('countLater');
    await client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));
    expect(seen).toEqual(['counted']);
    expect(answered).toHaveLength(3);
    forgetClients();
  });
});
