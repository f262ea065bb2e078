import { canUseSpace } from '../../auth/principal.ts';
import { bagVersionsPage } from '../../bags/bag-versions.ts';
import { fileDownloadUrl, manifestResponse } from '../../bags/bag-downloads.ts';
import { getVersion } from '../../bags/bag-registry.ts';
import { readingsOf } from '../../bags/bag-request.ts';
import { deletedBag, goneDescription } from '../../deletion/bag-availability.ts';
import type { Tombstone } from '../../deletion/deletion-records.ts';
import { apiHandler, callerOf, json, redirect } from '../../http/api-handler.ts';
import { errorBody } from '../../http/errors.ts';
import { NotFound } from '../../errors.ts';
import { spaceIdProblem } from '../../identifiers.ts';
import { parseQuery } from '../../schemas/problems.ts';
import { bagReadQuery } from '../../schemas/query-parameters.ts';
import { bagListPage } from '../../preservation-events/bag-lists.ts';
import { parseLimit } from '../../table/pagination.ts';

/** A deleted bag: 410 in the error shape, with its tombstone. */
const goneResult = (tombstone: Tombstone) =>
  json(410, { ...errorBody(410, goneDescription(tombstone)), tombstone });

/**
 * GET /bags/{space}/{proxy+}: a storage manifest, a bag's versions, or a redirect to one stored
 * file. A bag in a space the key cannot use answers exactly like a bag that does not exist.
 */
export const handler = apiHandler(async (request) => {
  const space = request.pathParameters.space ?? '';
  const readings = readingsOf(request.pathParameters.proxy ?? '');
  // A space id that cannot exist is a bag nobody can see (and never reaches a table key).
  const visible = spaceIdProblem(space) === undefined && canUseSpace(callerOf(request), space);

  if (readings[0]?.kind === 'versions') {
    const tombstone = visible ? await deletedBag(space, readings[0].externalIdentifier) : undefined;
    if (tombstone) return goneResult(tombstone);
    const before = parseQuery(request.query, bagReadQuery).before ?? undefined;
    const bagId = `${space}/${readings[0].externalIdentifier}`;
    const limit = parseLimit(request.query.limit);
    const page = visible
      ? await bagVersionsPage(space, readings[0].externalIdentifier, {
          before,
          limit,
          cursor: request.query.next,
          caller: callerOf(request).user,
        })
      : undefined;
    if (!page) throw new NotFound(`No storage manifest versions found for ${bagId}`);
    return json(200, page);
  }

  const version = parseQuery(request.query, bagReadQuery).version ?? undefined;
  for (const reading of readings) {
    const tombstone = visible ? await deletedBag(space, reading.externalIdentifier) : undefined;
    if (tombstone) return goneResult(tombstone);
    const registered = visible ? await getVersion(space, reading.externalIdentifier, version) : undefined;
    if (!registered) continue;
    if (reading.kind === 'file') return redirect(302, await fileDownloadUrl(registered, reading.path));
    if (reading.kind === 'fixity' || reading.kind === 'events') {
      return json(200, await bagListPage(reading.kind, registered, request.query, callerOf(request).user));
    }
    const manifest = await manifestResponse(registered);
    if ('redirect' in manifest) return redirect(307, manifest.redirect);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: manifest.inline };
  }
  // Name the bag the caller most likely meant: for `b1234/files/data/a.tif`, that is `b1234`.
  const meant = readings.map((reading) => reading.externalIdentifier).sort((a, b) => a.length - b.length)[0];
  throw new NotFound(
    `Storage manifest ${space}/${meant ?? request.pathParameters.proxy}${version ? ` ${version}` : ''} not found`,
  );
});
