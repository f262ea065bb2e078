import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws-clients.ts';
import { config } from '../config.ts';
import { listKeys } from '../storage/s3-objects.ts';
import { storedFileKey } from '../storage/storage-layout.ts';
import { readPlan } from './fixity-plan.ts';
import { type Finding, putFindings } from './fixity-runs.ts';

/** Of these stored-file ids, those the registry knows (DynamoDB reads 100 keys per request). */
async function registeredIds(ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const table = config().tableName;
  for (let start = 0; start < ids.length; start += 100) {
    let keys: Record<string, unknown>[] = ids
      .slice(start, start + 100)
      .map((id) => ({ pk: `FILE#${id}`, sk: 'FILE' }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed stored-file reads');
      const result = await dynamo().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }));
      for (const item of result.Responses?.[table] ?? []) found.add(item.id as string);
      keys = result.UnprocessedKeys?.[table]?.Keys ?? [];
      if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
  return found;
}

/**
 * Lists the objects under the version's prefix in one location and reports those the manifest does
 * not list (the registry holds a stored-file record for every file the version holds itself), a
 * page at a time: memory stays bounded by the page, not the bag. Untracked objects are reported,
 * never deleted (only the deletion workflow deletes).
 */
export async function findUntracked(runId: string, locationName: string): Promise<void> {
  const plan = await readPlan(runId);
  const location = plan.locations.find((candidate) => candidate.name === locationName);
  if (!location) throw new Error(`Fixity run ${runId} has no location ${locationName}`);
  const prefix = storedFileKey(plan.space, plan.externalIdentifier, plan.version, '');
  let page: string[] = [];
  const flush = async () => {
    const known = await registeredIds(page);
    const findings: Finding[] = page
      .filter((key) => !known.has(key))
      .map((key) => ({
        kind: 'untracked',
        path: key.slice(prefix.length),
        location: location.name,
        message: `${key.slice(prefix.length)} in ${location.name} is under ${plan.version} but not in its manifest`,
      }));
    await putFindings(runId, findings);
    page = [];
  };
  for await (const { key } of listKeys(location.bucket, prefix)) {
    page.push(key);
    if (page.length === 1000) await flush();
  }
  await flush();
}
