import { describe, expect, it } from 'vitest';
import { resourcesOfType } from './template-helpers.ts';
import { synthStack } from './synth-stack.ts';

const corsOf = (context: Record<string, unknown>) => {
  const apis = Object.values(resourcesOfType(synthStack(context).template, 'AWS::ApiGatewayV2::Api'));
  expect(apis).toHaveLength(1);
  return apis[0]?.Properties.CorsConfiguration as Record<string, unknown> | undefined;
};

describe('CORS on the HTTP API', () => {
  it('is off unless origins are configured, so no browser page can call the API', () => {
    expect(corsOf({})).toBeUndefined();
  });

  it('allows exactly the configured origins, the API key header and the headers clients read', () => {
    const cors = corsOf({ corsAllowOrigins: 'https://archive.example.org' });
    expect(cors).toMatchObject({
      AllowOrigins: ['https://archive.example.org'],
      AllowHeaders: ['authorization', 'content-type'],
      ExposeHeaders: ['location', 'x-pacifica-status', 'x-pacifica-message'],
      MaxAge: 3600,
    });
    expect([...(cors?.AllowMethods as string[])].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH', 'POST']);
  });
});
