import { issueKey } from '../../auth/key-admin.ts';
import { apiHandler, json } from '../../http/api-handler.ts';

export const handler = apiHandler(async (request) => json(201, await issueKey(request.body)));
