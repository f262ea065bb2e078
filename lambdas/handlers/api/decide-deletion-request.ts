import { decide } from '../../deletion/deletion-requests.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';

/** POST /deletion-requests/{id}/approve and …/reject: the decision is the path's last segment. */
export const handler = apiHandler(async (request) => {
  const decision = request.path.endsWith('/approve') ? 'approve' : 'reject';
  return json(202, await decide(callerOf(request), request.pathParameters.id ?? '', decision));
});
