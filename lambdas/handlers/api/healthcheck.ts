import { apiHandler, json } from '../../http/api-handler.ts';

export const handler = apiHandler(async () => json(200, { status: 'ok' }));
