import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lambdas/http/openapi.ts';
import { routes } from '../../lambdas/http/routes.ts';
import { OPENAPI_FILE, openApiText } from '../../scripts/write-openapi.ts';
import { checkContract, ContractViolation } from '../support/api-contract.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.destroy();
});

type Document = { paths: Record<string, Record<string, { security: unknown[]; responses: object }>> };

describe('GET /openapi.json', () => {
  it('is public and serves the document generated from the route table and schemas', async () => {
    const response = await stack.api('/openapi.json', { key: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(openApiDocument());
  });

  it('is committed as docs/openapi.json, current (npm run openapi rewrites it)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
  });

  it('validates as OpenAPI 3.1, and the validator refuses a broken document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openApiDocument()));
    expect(result).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
    const broken = structuredClone(openApiDocument()) as Record<string, unknown>;
    delete broken.info;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('covers every route of the route table, with its authentication', () => {
    const document = openApiDocument() as Document;
    for (const route of routes) {
      const operation =
        document.paths[route.path.replace(/\{(\w+)\+\}/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation?.security).toEqual(route.role ? [{ ApiKey: [] }] : []);
    }
    const operations = Object.values(document.paths).flatMap((methods) => Object.keys(methods));
    expect(operations).toHaveLength(routes.length);
  });
});

describe('the contract check every integration test runs on the responses it receives', () => {
  const answer = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('accepts a response the document declares', async () => {
    const space = { id: 'digitised', description: '', quota: null, used: 0, bagCount: 0 };
    await expect(checkContract('GET', '/spaces/digitised', answer(200, space))).resolves.toBeUndefined();
  });

  it('refuses a body the schema does not allow, an undeclared status and an error off the one shape', async () => {
    await expect(checkContract('GET', '/spaces/digitised', answer(200, { id: 1 }))).rejects.toThrow(
      ContractViolation,
    );
    const space = { id: 'd', description: '', quota: null, used: 0, bagCount: 0, secret: 'x' };
    await expect(checkContract('GET', '/spaces/d', answer(200, space))).rejects.toThrow(/does not allow/);
    await expect(checkContract('GET', '/spaces/d', answer(201, {}))).rejects.toThrow(/does not declare/);
    await expect(checkContract('GET', '/spaces/d', answer(404, { message: 'nope' }))).rejects.toThrow(
      ContractViolation,
    );
  });
});
