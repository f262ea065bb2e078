import type { Principal } from '../auth/principal.ts';
import { config } from '../config.ts';
import { refuseIngestOfDeletedIdentifier } from '../deletion/bag-availability.ts';
import {
  externalIdentifierProblem,
  isSpaceAvailable,
  spaceIdProblem,
  spaceUnavailable,
} from '../identifiers.ts';
import {
  invalidAt,
  object,
  oneOf,
  optional,
  parseRequest,
  quoted,
  rejectIfAny,
  text,
  typeName,
} from '../json-validation.ts';
import { MAX_S3_KEY_BYTES, relativePathProblem } from '../safe-path.ts';
import { isUploadKeyOf } from '../uploads/upload-key.ts';
import { callbackUrlProblem } from './callback-url.ts';
import type { Ingest } from './ingest.ts';

/** The body of `POST /ingests` (SPEC §5.2), in Wellcome's shape. */
const schema = object({
  type: typeName('Ingest'),
  space: object({ id: text(spaceIdProblem), type: typeName('Space') }),
  bag: object({
    type: typeName('Bag'),
    info: object({ type: typeName('BagInfo'), externalIdentifier: text(externalIdentifierProblem) }),
  }),
  ingestType: object({ id: oneOf(['create', 'update']), type: typeName('IngestType') }),
  sourceLocation: object({
    type: typeName('Location'),
    provider: object({ id: oneOf(['amazon-s3']), type: typeName('Provider') }),
    bucket: text(uploadBucketProblem),
    path: text((path) => relativePathProblem(path, MAX_S3_KEY_BYTES)),
  }),
  callback: optional(
    object({
      url: text((url) => callbackUrlProblem(url, config().allowLoopbackCallbacks)),
      type: typeName('Callback'),
    }),
  ),
});

/** The workflow's role may read only the upload bucket, so any other bucket would fail later. */
function uploadBucketProblem(bucket: string): string | undefined {
  const uploads = config().uploadBucket;
  if (bucket === uploads) return undefined;
  return `got ${quoted(bucket)}, but ingests can only read from the upload bucket "${uploads}"; upload the bag there first (POST /uploads or any S3 client).`;
}

const sourceOutsideSpace = (space: string) =>
  `must be an upload of space ${JSON.stringify(space)}: a key under "${space}/" in the upload bucket, where POST /uploads puts it.`;

/** Validates `POST /ingests` and returns the new ingest, accepted and not yet started. */
export async function parseIngestRequest(body: unknown, caller: Principal): Promise<Ingest> {
  const request = parseRequest(body, schema);
  const space = request.space.id;
  if (!(await isSpaceAvailable(caller, space)))
    rejectIfAny([invalidAt('.space.id', spaceUnavailable(space))]);
  // Decided from the request alone, before anything reads the object: a path elsewhere gets this
  // same answer whether or not an object exists there, so nothing of another space leaks.
  if (!isUploadKeyOf(space, request.sourceLocation.path))
    rejectIfAny([invalidAt('.sourceLocation.path', sourceOutsideSpace(space))]);
  await refuseIngestOfDeletedIdentifier(space, request.bag.info.externalIdentifier);
  const now = new Date().toISOString();
  return {
    id: crypto.randomUUID(),
    type: 'Ingest',
    space: { id: space, type: 'Space' },
    bag: { type: 'Bag', info: { type: 'BagInfo', externalIdentifier: request.bag.info.externalIdentifier } },
    ingestType: { id: request.ingestType.id, type: 'IngestType' },
    sourceLocation: {
      type: 'Location',
      provider: { type: 'Provider', id: 'amazon-s3' },
      bucket: request.sourceLocation.bucket,
      path: request.sourceLocation.path,
    },
    ...(request.callback
      ? {
          callback: {
            type: 'Callback',
            url: request.callback.url,
            status: { id: 'pending', type: 'CallbackStatus' },
          },
        }
      : {}),
    status: { id: 'accepted', type: 'Status' },
    progress: { bytesTotal: 0, bytesDone: 0, filesTotal: 0, filesDone: 0 },
    events: [],
    createdDate: now,
    lastModifiedDate: now,
  };
}
