import { apiHandler, json } from '../../http/api-handler.ts';
import { openApiDocument } from '../../http/openapi.ts';

let document: object | undefined;

/** GET /openapi.json (public): the API's OpenAPI 3.1 document, generated once per cold start. */
export const handler = apiHandler(async () => json(200, (document ??= openApiDocument())));
