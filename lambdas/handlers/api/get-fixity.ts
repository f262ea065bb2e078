import { canUseSpace } from '../../auth/principal.ts';
import { NotFound } from '../../errors.ts';
import { fixityReport } from '../../fixity/fixity-report.ts';
import { getRun } from '../../fixity/fixity-runs.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';

/** GET /fixity/{id}: a run's report; a run of a bag in a space the key cannot use does not exist. */
export const handler = apiHandler(async (request) => {
  const id = request.pathParameters.id ?? '';
  const run = /^[0-9a-f-]{36}$/.test(id) ? await getRun(id) : undefined;
  if (!run || !canUseSpace(callerOf(request), run.space)) throw new NotFound(`Fixity check ${id} not found`);
  return json(200, await fixityReport(run));
});
