import { apiHandler, json } from '../../http/api-handler.ts';
import { updateSpace } from '../../spaces/space-admin.ts';

export const handler = apiHandler(async (request) =>
  json(200, await updateSpace(request.pathParameters.id ?? '', request.body)),
);
