import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { matchRoute } from '../../local/http-gateway.ts';
import { openApiDocument } from '../../lambdas/http/openapi.ts';
import { routeKey } from '../../lambdas/http/routes.ts';

/**
 * The contract check every integration test runs (through TestStack.api): each response must be
 * one the OpenAPI document declares for its route (its status, or an error in the Error shape) and
 * its JSON body must validate against the declared schema.
 */
const document = openApiDocument() as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
};
const BASE = 'https://bagvault.invalid/openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ ...document, $id: BASE });
const compiled = new Map<string, ValidateFunction>();

const pointer = (...segments: string[]) =>
  segments.map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class ContractViolation extends Error {}

/** Throws a ContractViolation when `response` is not what the document declares for the request. */
export async function checkContract(method: string, path: string, response: Response): Promise<void> {
  let route;
  try {
    route = matchRoute(method, path).route;
  } catch {
    return; // 404 for an unknown path, or 405: the gateway's own answers, in the Error shape.
  }
  const openApiPath = route.path.replace(/\{(\w+)\+\}/g, '{$1}');
  const operation = document.paths[openApiPath]?.[method.toLowerCase()];
  if (!operation) throw new ContractViolation(`${routeKey(route)} is not in the OpenAPI document`);
  const status = String(response.status);
  const declared = operation.responses[status] ? status : response.status >= 400 ? 'default' : undefined;
  if (!declared) {
    throw new ContractViolation(`${routeKey(route)} answered ${status}, which the document does not declare`);
  }
  const type = response.headers.get('content-type') ?? '';
  const text = await response.clone().text();
  // HEAD answers carry no body (HTTP says so), whatever GET would have sent.
  if (!operation.responses[declared]?.content || method === 'HEAD') return;
  if (!type.includes('json') || text === '') {
    throw new ContractViolation(
      `${routeKey(route)} answered ${status} without the JSON body the document declares`,
    );
  }
  const ref = `${BASE}#/${pointer('paths', openApiPath, method.toLowerCase(), 'responses', declared, 'content', 'application/json', 'schema')}`;
  let validate = compiled.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    compiled.set(ref, validate);
  }
  if (!validate(JSON.parse(text))) {
    throw new ContractViolation(
      `${routeKey(route)} answered ${status} with a body the document does not allow: ${ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 2000)}`,
    );
  }
}
