import { apiHandler, json, locationOf } from '../../http/api-handler.ts';
import { createSpace } from '../../spaces/space-admin.ts';

export const handler = apiHandler(async (request) => {
  const space = await createSpace(request.body);
  return json(201, space, locationOf(request, `/spaces/${space.id}`));
});
