import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../lambdas/http/openapi.ts';

/** `npm run openapi`: writes docs/openapi.json from the route table and schemas (a test keeps it current). */
export const OPENAPI_FILE = new URL('../docs/openapi.json', import.meta.url);

export const openApiText = () => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(OPENAPI_FILE, openApiText());
  console.log(`Wrote ${OPENAPI_FILE.pathname}`);
}
