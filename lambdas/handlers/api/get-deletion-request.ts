import { visibleRequest } from '../../deletion/deletion-requests.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';

export const handler = apiHandler(async (request) =>
  json(200, await visibleRequest(callerOf(request), request.pathParameters.id ?? '')),
);
