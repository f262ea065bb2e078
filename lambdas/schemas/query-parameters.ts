import { z } from 'zod';
import { quoted } from '../client-text.ts';
import { DELETION_STATUSES } from '../deletion/deletion-schema.ts';
import { spaceIdProblem } from '../identifiers.ts';
import { INGEST_STATUSES } from '../ingests/ingest-schema.ts';
import { versionNumber } from '../storage/storage-layout.ts';
import { limitProblem } from '../table/pagination.ts';
import { type Check, oneOf, optional } from './request-fields.ts';

/** Query parameters (`?space=`, `?limit=`): strings, named without a leading dot in messages. */
function parameter(check?: Check<string>) {
  return z
    .string({
      error: (issue) => (issue.input === undefined ? 'required query parameter not supplied.' : undefined),
    })
    .superRefine((value, context) => {
      const problem = check?.(value);
      if (problem) context.addIssue({ code: 'custom', message: problem, input: value });
    });
}

const versionProblem = (raw: string) =>
  versionNumber(raw) === undefined ? `got ${quoted(raw)}, expected a version such as v1.` : undefined;

/** `?limit=` (1–1000, default 100) and `?next=` (an opaque cursor from the previous page). */
export const pageQuery = z.object({
  limit: optional(parameter(limitProblem)).meta({ description: 'Page size, 1 to 1000 (default 100).' }),
  next: optional(parameter()).meta({ description: 'The opaque cursor of the previous page.' }),
});

export const spaceQuery = pageQuery.extend({ space: parameter(spaceIdProblem) });
export const ingestListQuery = spaceQuery.extend({ status: optional(oneOf(INGEST_STATUSES)) });
export const deletionListQuery = pageQuery.extend({ status: optional(oneOf(DELETION_STATUSES)) });
export const versionQuery = z.object({ version: optional(parameter(versionProblem)) });
export const bagReadQuery = pageQuery.extend({
  version: optional(parameter(versionProblem)),
  before: optional(parameter(versionProblem)),
});
export const cartDownloadQuery = z.object({ filename: optional(parameter()) });
