/** Follows an ingest until it ends: each new event on stderr, and a byte progress bar on a TTY. */
import type { Api } from './api-client.ts';
import { progressBar } from './progress.ts';

export interface IngestView {
  id: string;
  status: { id: string };
  bag: { info: { externalIdentifier: string; version?: string } };
  events: { description: string; createdDate: string }[];
  progress?: { bytesTotal: number; bytesDone: number };
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const POLL_MS = 500;

export async function followIngest(api: Api, id: string): Promise<IngestView> {
  const bar = progressBar('accepted', 0);
  let shown = 0;
  try {
    for (;;) {
      const ingest = await api.json<IngestView>(`/ingests/${encodeURIComponent(id)}`);
      for (const event of ingest.events.slice(shown)) bar.log(`  ${event.description}`);
      shown = Math.max(shown, ingest.events.length);
      if (FINAL.has(ingest.status.id)) return ingest;
      const step = [...ingest.events].reverse().find((event) => event.description.endsWith(' started'));
      const label = step ? step.description.slice(0, -' started'.length) : ingest.status.id;
      bar.update(ingest.progress?.bytesDone ?? 0, ingest.progress?.bytesTotal ?? 0, label);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    bar.stop();
  }
}
