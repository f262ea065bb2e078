import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postCallback } from '../../lambdas/ingest-workflow/notifier.ts';
import {
  callbackUrlProblem,
  embeddedIPv4,
  type Resolver,
  resolvedCallbackProblem,
} from '../../lambdas/ingests/callback-url.ts';

/** A resolver that answers only what the test says: no DNS is used. */
const resolvesTo = (...answers: string[][]): Resolver & { calls: string[] } => {
  const calls: string[] = [];
  const resolver = async (hostname: string) => {
    calls.push(hostname);
    const addresses = answers[Math.min(calls.length, answers.length) - 1] ?? [];
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolver, { calls });
};

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
  ])('%s', async (url, reason) => {
    expect(await resolvedCallbackProblem(url, false, resolvesTo(['93.184.215.14']))).toContain(reason);
  });

  it('says so when the host does not resolve', async () => {
    const failing: Resolver = () => Promise.reject(new Error('ENOTFOUND'));
    expect(await resolvedCallbackProblem('https://no-such-host.invalid/done', false, failing)).toBe(
      'the host no-such-host.invalid cannot be resolved',
    );
  });

  it('refuses a name when any address it resolves to is refused', async () => {
    const resolver = resolvesTo(['93.184.215.14', '10.0.0.7']);
    expect(await resolvedCallbackProblem('https://mixed.example/done', false, resolver)).toBe(
      'the host mixed.example resolves to a private or reserved address (10.0.0.7)',
    );
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

describe('every IPv6 form that carries a refused IPv4 address is refused', () => {
  it.each([
    ['IPv4-compatible loopback', '[::127.0.0.1]'],
    ['IPv4-compatible, in hex', '[::7f00:1]'],
    ['IPv4-mapped loopback', '[::ffff:127.0.0.1]'],
    ['IPv4-mapped metadata, in hex', '[::ffff:a9fe:a9fe]'],
    ['IPv4-translated private', '[::ffff:0:10.0.0.1]'],
    ['NAT64 loopback', '[64:ff9b::127.0.0.1]'],
    ['NAT64 metadata, in hex', '[64:ff9b::a9fe:a9fe]'],
    ['local-use NAT64', '[64:ff9b:1::8.8.8.8]'],
    ['6to4 loopback', '[2002:7f00:1::]'],
    ['6to4 private', '[2002:c0a8:101::1]'],
    ['Teredo with a loopback client', '[2001:0:5ef5:79fd:0:0:80ff:fffe]'],
    ['Teredo with a private server', '[2001:0:a00:1::1]'],
    ['IPv4 in decimal', '2130706433'],
    ['IPv4 in octal parts', '0177.0.0.1'],
    ['documentation addresses', '[2001:db8::1]'],
  ])('%s: %s', async (_name, host) => {
    expect(callbackUrlProblem(`https://${host}/done`, false)).toBe(
      'must not point at a loopback, private, link-local or metadata address.',
    );
    // And the same address when a name resolves to it.
    const address = host.replace(/^\[|\]$/g, '');
    if (address.includes(':')) {
      expect(
        await resolvedCallbackProblem('https://rebind.example/done', false, resolvesTo([address])),
      ).toContain('resolves to a private or reserved address');
    }
  });

  it.each([
    ['NAT64 of a public address', '[64:ff9b::8.8.8.8]'],
    ['6to4 of a public address', '[2002:808:808::1]'],
    ['Teredo of a public server and client', '[2001:0:808:808::f7f7:f7f7]'],
    ['a public IPv6 address', '[2606:4700:4700::1111]'],
  ])('allows %s', (_name, host) => {
    expect(callbackUrlProblem(`https://${host}/done`, false)).toBeUndefined();
  });

  it('reads the IPv4 address out of each form', () => {
    expect(embeddedIPv4('::ffff:10.1.2.3')).toEqual(['10.1.2.3']);
    expect(embeddedIPv4('::a01:203')).toEqual(['10.1.2.3']);
    expect(embeddedIPv4('64:ff9b::a01:203')).toEqual(['10.1.2.3']);
    expect(embeddedIPv4('2002:a01:203::1')).toEqual(['10.1.2.3']);
    // Teredo: server 65.54.227.120, client 192.0.2.45 stored inverted (RFC 4380's example).
    expect(embeddedIPv4('2001:0:4136:e378:8000:63bf:3fff:fdd2')).toEqual(['65.54.227.120', '192.0.2.45']);
    expect(embeddedIPv4('2606:4700::1111')).toEqual([]);
  });
});

describe('delivery connects to the address that was checked (no second resolution)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /** A callback receiver on 127.0.0.1 that records what reached it. */
  async function receiver() {
    const received: { host: string | undefined; body: string; localAddress: string | undefined }[] = [];
    server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          host: request.headers.host,
          body: Buffer.concat(chunks).toString(),
          localAddress: request.socket.localAddress,
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, received };
  }

  it('resolves once and posts to the checked address, even when DNS would answer differently later', async () => {
    const { port, received } = await receiver();
    // A rebinding resolver: the first answer is checked; a second lookup would go somewhere else.
    // (http needs a loopback name, which only the local setting allows.)
    const resolver = resolvesTo(['127.0.0.1'], ['10.0.0.1']);
    const failure = await postCallback(`http://localhost:${port}/done`, '{"id":"x"}', {
      allowLoopback: true,
      resolve: resolver,
    });
    expect(failure).toBeUndefined();
    expect(resolver.calls).toEqual(['localhost']);
    expect(received).toEqual([{ host: `localhost:${port}`, body: '{"id":"x"}', localAddress: '127.0.0.1' }]);
  });

  it('never reaches loopback when the checked public address is rebound to it', async () => {
    const { port, received } = await receiver();
    // Checked: a public address (unreachable here). Any later lookup would say 127.0.0.1.
    const resolver = resolvesTo(['192.88.98.1'], ['127.0.0.1']);
    const failure = await postCallback(`http://rebind.example:${port}/done`, '{}', {
      allowLoopback: false,
      resolve: resolver,
      timeoutMs: 300,
    });
    // http is refused without the local setting, so try https, which is what production allows.
    expect(failure).toBe('the callback URL must be an https URL.');
    const overHttps = await postCallback(`https://rebind.example:${port}/done`, '{}', {
      allowLoopback: false,
      resolve: resolver,
      timeoutMs: 300,
    });
    expect(overHttps).toBeDefined();
    expect(received).toEqual([]);
    expect(resolver.calls).toEqual(['rebind.example']);
  });

  it('refuses before connecting when the one answer is refused', async () => {
    const { port, received } = await receiver();
    const resolver = resolvesTo(['::ffff:127.0.0.1']);
    expect(
      await postCallback(`https://rebind.example:${port}/done`, '{}', {
        allowLoopback: false,
        resolve: resolver,
      }),
    ).toBe('the host rebind.example resolves to a private or reserved address (::ffff:127.0.0.1)');
    expect(received).toEqual([]);
  });
});
