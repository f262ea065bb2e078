import type { z } from 'zod';
import { keyRequestSchema } from '../auth/key-admin.ts';
import {
  cartFileListRequestSchema,
  cartFileListUploadSchema,
  cartRequestSchema,
} from '../carts/cart-request-schema.ts';
import { deletionRequestBodySchema } from '../deletion/deletion-requests.ts';
import { ingestActionSchema, ingestRequestSchema } from '../ingests/ingest-request.ts';
import {
  bagReadQuery,
  cartDownloadQuery,
  deletionListQuery,
  ingestListQuery,
  pageQuery,
  spaceQuery,
  versionQuery,
} from '../schemas/query-parameters.ts';
import { createSpaceRequestSchema, updateSpaceRequestSchema } from '../spaces/space-admin.ts';
import { completeUploadRequestSchema } from '../uploads/complete-request.ts';
import { partsRequestSchema } from '../uploads/parts-request.ts';
import { uploadRequestSchema } from '../uploads/upload-request.ts';
import { responses as r } from './response-schemas.ts';

/**
 * What each route of the route table (routes.ts) takes and answers, by route key: the schemas the
 * handlers validate with and answer in. The OpenAPI document (openapi.ts) is generated from this
 * and the route table; a test checks that every route has an entry.
 */
export interface Answer {
  description: string;
  /** One schema, or several the answer is one of. */
  body?: z.ZodType | z.ZodType[];
  headers?: Record<string, string>;
}

export interface Operation {
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType | z.ZodType[];
  responses: Record<number, Answer>;
}

const redirect = (description: string): Answer => ({
  description,
  headers: { Location: 'The presigned S3 URL. Follow it without re-sending Authorization.' },
});

export const operations: Record<string, Operation> = {
  'GET /healthcheck': {
    summary: 'Whether the API answers (public)',
    responses: { 200: { description: 'Up', body: r.health } },
  },
  'GET /openapi.json': {
    summary: 'This document (public)',
    responses: { 200: { description: 'The OpenAPI 3.1 description of the API' } },
  },
  'GET /spaces': {
    summary: 'Spaces this key may use',
    query: pageQuery,
    responses: { 200: { description: 'A page of spaces', body: r.spaces } },
  },
  'GET /spaces/{id}': {
    summary: 'One space',
    responses: { 200: { description: 'The space', body: r.space } },
  },
  'POST /spaces': {
    summary: 'Create a space (admin)',
    body: createSpaceRequestSchema,
    responses: {
      201: { description: 'Created', body: r.space, headers: { Location: 'The new space' } },
      409: { description: 'The id is taken', body: r.error },
    },
  },
  'PATCH /spaces/{id}': {
    summary: 'Change a space’s description or quota (admin)',
    body: updateSpaceRequestSchema,
    responses: { 200: { description: 'The changed space', body: r.space } },
  },
  'POST /keys': {
    summary: 'Issue an API key, replacing the user’s old one (admin)',
    body: keyRequestSchema,
    responses: { 201: { description: 'The key; the only time its secret is shown', body: r.issuedKey } },
  },
  'GET /keys': {
    summary: 'API keys, never a secret (admin)',
    query: pageQuery,
    responses: { 200: { description: 'A page of keys', body: r.keys } },
  },
  'DELETE /keys/{user}': {
    summary: 'Revoke a user’s key (admin)',
    responses: { 200: { description: 'Revoked', body: r.message } },
  },
  'POST /uploads': {
    summary: 'A presigned PUT (or a multipart plan) into the upload bucket',
    body: uploadRequestSchema,
    responses: { 201: { description: 'The upload plan', body: [r.singleUpload, r.multipartUpload] } },
  },
  'POST /uploads/parts': {
    summary: 'Fresh presigned URLs for parts of a multipart upload in progress',
    body: partsRequestSchema,
    responses: { 200: { description: 'The parts’ URLs', body: r.presignedParts } },
  },
  'POST /uploads/complete': {
    summary: 'Finish a multipart upload',
    body: completeUploadRequestSchema,
    responses: { 200: { description: 'The assembled object', body: r.completedUpload } },
  },
  'POST /ingests': {
    summary: 'Start an ingest of an uploaded bag',
    body: ingestRequestSchema,
    responses: {
      201: {
        description: 'The accepted ingest',
        body: r.ingest,
        headers: { Location: 'The absolute URL of the ingest' },
      },
    },
  },
  'GET /ingests': {
    summary: 'Ingests of a space, newest first',
    query: ingestListQuery,
    responses: { 200: { description: 'A page of ingests', body: r.ingests } },
  },
  'GET /ingests/{id}': {
    summary: 'One ingest, with its events and progress',
    responses: { 200: { description: 'The ingest', body: r.ingest } },
  },
  'POST /ingests/{id}/action': {
    summary: 'Cancel an ingest before it is assigned a version',
    body: ingestActionSchema,
    responses: {
      202: { description: 'The cancelled ingest', body: r.ingest },
      409: { description: 'Too late to cancel', body: r.error },
    },
  },
  'GET /bags': {
    summary: 'Bags of a space, latest versions',
    query: spaceQuery,
    responses: { 200: { description: 'A page of bags', body: r.bags } },
  },
  'GET /bags/{space}/{proxy+}': {
    summary:
      'A bag: `{id}` (storage manifest), `{id}/versions`, `{id}/events`, `{id}/fixity`, or `{id}/files/{path}` (a redirect to the file)',
    query: bagReadQuery,
    responses: {
      200: {
        description: 'A storage manifest, or a page of versions, events or fixity runs',
        body: [r.manifest, r.versions, r.events, r.fixityRuns],
      },
      302: redirect('A stored file: a presigned GET, with Content-Disposition naming the file'),
      307: redirect('A storage manifest too big for a response'),
      409: { description: 'The file is in cold storage: request it through a cart', body: r.error },
      410: { description: 'The bag was deleted: the error with its tombstone', body: r.gone },
    },
  },
  'POST /bags/{space}/{proxy+}': {
    summary:
      'An action on a bag: `{id}/deletion-requests` (delete-request role) or `{id}/fixity` (ingest role)',
    query: versionQuery,
    body: deletionRequestBodySchema,
    responses: {
      200: { description: 'A deletion request already exists', body: r.message },
      202: {
        description: 'The deletion request or the fixity run',
        body: [r.deletionRequestCreated, r.accepted],
        headers: { Location: 'The new deletion request or fixity run' },
      },
      410: { description: 'The bag was deleted', body: r.error },
    },
  },
  'GET /fixity/{id}': {
    summary: 'A fixity run’s report',
    responses: { 200: { description: 'The report', body: r.fixity } },
  },
  'GET /deletion-requests': {
    summary: 'Deletion requests by status (open by default)',
    query: deletionListQuery,
    responses: { 200: { description: 'A page of requests', body: r.deletionRequests } },
  },
  'GET /deletion-requests/{id}': {
    summary: 'One deletion request',
    responses: { 200: { description: 'The request', body: r.deletionRequest } },
  },
  'POST /deletion-requests/{id}/approve': {
    summary: 'Approve a deletion (someone other than the requester)',
    responses: {
      202: { description: 'Approved; the deletion workflow runs', body: r.deletionDecision },
      409: { description: 'Already decided', body: r.error },
    },
  },
  'POST /deletion-requests/{id}/reject': {
    summary: 'Reject a deletion (someone other than the requester)',
    responses: {
      202: { description: 'Rejected', body: r.deletionDecision },
      409: { description: 'Already decided', body: r.error },
    },
  },
  'POST /carts/{cartId}': {
    summary: 'Create a cart: a tar of stored files (Pacifica cartd)',
    body: [cartRequestSchema, cartFileListRequestSchema],
    responses: {
      201: { description: '`Cart Processing has begun`', body: r.message },
      409: { description: 'A live cart of yours has this id', body: r.error },
    },
  },
  'POST /carts/{cartId}/file-list': {
    summary: 'Where to PUT a cart’s file list too large for a request body',
    responses: { 201: { description: 'A presigned PUT for the list', body: cartFileListUploadSchema } },
  },
  'HEAD /carts/{cartId}': {
    summary: 'A cart’s status, in headers',
    responses: {
      204: {
        description: 'The status',
        headers: {
          'X-Pacifica-Status': 'waiting, staging, bundling, ready or error',
          'X-Pacifica-Message': 'Empty unless error',
        },
      },
    },
  },
  'GET /carts/{cartId}': {
    summary: 'Download a ready cart',
    query: cartDownloadQuery,
    responses: {
      202: { description: '`The cart is not ready for download.`', body: r.message },
      302: redirect(
        'The bundle, with Content-Disposition naming `filename` (default data_YYYY_MM_DD_HH_MM_SS.tar)',
      ),
    },
  },
  'DELETE /carts/{cartId}': {
    summary: 'Delete a cart and its bundle',
    responses: { 200: { description: '`Cart Deleted Successfully`', body: r.message } },
  },
};
