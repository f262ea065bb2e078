import { revokeApiKey } from '../../auth/api-key-repository.ts';
import { apiHandler, json } from '../../http/api-handler.ts';

export const handler = apiHandler(async (request) => {
  const user = request.pathParameters.user ?? '';
  await revokeApiKey(user);
  return json(200, { message: `The API key of ${user} is revoked.` });
});
