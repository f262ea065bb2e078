/** `bagvault deletion request|approve|reject|list` (SPEC §5.6): deletion takes two people. */
import { apiFromEnvironment, listAll } from './api-client.ts';
import { bagPath, parseBagId } from './bag-id.ts';
import { UsageError } from './usage-error.ts';

interface DeletionRequest {
  id: string;
  space: string;
  externalIdentifier: string;
  reason: string;
  status: string;
  requestedBy: string;
  requestedDate: string;
  decidedBy?: string;
  decidedDate?: string;
  completedDate?: string;
  startRefused?: { times: number; date: string; error: string };
  needsOperator?: { date: string; message: string };
}

export async function requestDeletion(
  id: string,
  options: { reason: string; json?: boolean },
): Promise<number> {
  const bag = parseBagId(id);
  if (options.reason.trim() === '') throw new UsageError('bad --reason: say why the bag is to be deleted');
  const answer = await apiFromEnvironment().json<{ id?: string; message: string }>(
    bagPath(bag, '/deletion-requests'),
    { method: 'POST', body: { reason: options.reason } },
  );
  if (options.json) console.log(JSON.stringify(answer));
  else if (answer.id) console.log(answer.id);
  // A duplicate is not an error (the API answers 200): the open request stands; say so.
  console.error(
    answer.id
      ? `${answer.message} Another user with the delete-approve role must approve it: bagvault deletion approve ${answer.id}`
      : answer.message,
  );
  return 0;
}

export async function decideDeletion(
  decision: 'approve' | 'reject',
  id: string,
  options: { json?: boolean },
): Promise<number> {
  const answer = await apiFromEnvironment().json<{ id: string; status: string }>(
    `/deletion-requests/${encodeURIComponent(id)}/${decision}`,
    { method: 'POST' },
  );
  if (options.json) console.log(JSON.stringify(answer));
  else console.log(`${answer.id} ${answer.status}`);
  return 0;
}

export async function listDeletions(options: { status?: string; json?: boolean }): Promise<number> {
  const query = options.status ? `?status=${options.status}` : '';
  const requests = await listAll<DeletionRequest>(apiFromEnvironment(), `/deletion-requests${query}`);
  if (options.json) {
    console.log(JSON.stringify(requests));
    return 0;
  }
  for (const request of requests) {
    const decided = request.decidedBy
      ? `, ${request.status} by ${request.decidedBy} ${request.decidedDate ?? ''}`
      : '';
    const done = request.completedDate ? `, deleted ${request.completedDate}` : '';
    // A deletion the re-drive gave up on is what an approver must act on: never only in --json.
    const waiting = request.needsOperator
      ? `\n  needs an operator since ${request.needsOperator.date}: ${request.needsOperator.message}`
      : '';
    // Why an approved bag still answers 409 when its workflow cannot even start.
    const refused = request.startRefused
      ? `\n  start refused ${request.startRefused.times} times, last ${request.startRefused.date}: ${request.startRefused.error} (the re-drive keeps trying)`
      : '';
    console.log(
      `${request.id}  ${request.space}/${request.externalIdentifier}  ${request.status}  requested by ${request.requestedBy} ${request.requestedDate}${decided}${done}\n  reason: ${request.reason}${refused}${waiting}`,
    );
  }
  return 0;
}
