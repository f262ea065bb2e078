import { describe, expect, it } from 'vitest';
import { resolvedCallbackProblem } from '../../lambdas/ingests/callback-url.ts';

describe('the Callback step refuses URLs that reach the service network', () => {
  it.each([
    ['http://example.org/done', 'must be an https URL'],
    ['https://127.0.0.1/done', 'loopback'],
    ['https://localhost:8443/done', 'loopback'],
    ['https://169.254.169.254/latest/meta-data', 'metadata'],
    ['https://10.1.2.3/done', 'private'],
    ['https://[::ffff:192.168.1.1]/done', 'private'],
    ['https://[fd00:ec2::254]/done', 'private'],
    ['https://user:pw@example.org/done', 'user name or password'],
    ['https://no-such-host.invalid/done', 'cannot be resolved'],
  ])('%s', async (url, reason) => {
    expect(await resolvedCallbackProblem(url, false)).toContain(reason);
  });

  it('allows loopback only where the local stack enables it', async () => {
    expect(await resolvedCallbackProblem('http://127.0.0.1:9999/done', true)).toBeUndefined();
    expect(await resolvedCallbackProblem('http://127.0.0.1:9999/done', false)).toBeDefined();
    expect(await resolvedCallbackProblem('http://10.0.0.1/done', true)).toContain('loopback, private');
  });

  it('accepts a public https address', async () => {
    expect(await resolvedCallbackProblem('https://93.184.215.14/done', false)).toBeUndefined();
  });
});
