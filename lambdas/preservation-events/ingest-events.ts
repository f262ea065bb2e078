import { getVersion } from '../bags/bag-registry.ts';
import { noteBagChecked } from '../fixity/fixity-schedule.ts';
import type { IngestRecord } from '../ingests/ingest-repository.ts';
import { recordBagEvent } from './bag-events.ts';

/**
 * The ingest of a version, in the bag's history, dated when the version was registered (so a retried
 * Register writes the same event once). The ingest verified every copy it made, so the bag also
 * enters the fixity schedule, counted as checked then.
 */
export async function recordVersionIngested(ingest: IngestRecord): Promise<void> {
  const space = ingest.space.id;
  const { externalIdentifier, version } = ingest.bag.info;
  const registered = await getVersion(space, externalIdentifier, version);
  if (!registered) return;
  await recordBagEvent(space, externalIdentifier, `ingest:${ingest.id}`, {
    eventType: 'ingestion',
    version: registered.version,
    date: registered.createdDate,
    agent: { type: 'service', id: 'Bagvault ingest workflow' },
    outcome: 'success',
    detail: `${registered.version} ingested: ${registered.fileCount} files, ${registered.size} bytes, verified and replicated to every location (ingest ${ingest.id})`,
    ingestId: ingest.id,
  });
  await noteBagChecked(space, externalIdentifier, registered.createdDate, { onlyIfUnlisted: true });
}
