import { fileListUpload } from '../../carts/cart-file-list.ts';
import { apiHandler, callerOf, json } from '../../http/api-handler.ts';

/** POST /carts/{cartId}/file-list: a presigned PUT for a cart's file list too large for a request body. */
export const handler = apiHandler(async (request) =>
  json(201, await fileListUpload(request.pathParameters.cartId ?? '', callerOf(request))),
);
