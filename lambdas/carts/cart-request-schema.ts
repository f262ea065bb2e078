import { z } from 'zod';

/**
 * The other shapes of the cart API for its description: the request naming an uploaded file list
 * (its entries are checked with cart-request.ts's schema when the workflow reads them), and the
 * answer of `POST /carts/{cartId}/file-list`.
 */
export { cartRequestSchema } from './cart-request.ts';

/** `POST /carts/{cartId}` naming a file list uploaded to S3 (cart-file-list.ts) instead of `fileids`. */
export const cartFileListRequestSchema = z
  .strictObject({
    fileList: z.string().meta({ description: 'The key POST /carts/{cartId}/file-list handed out.' }),
  })
  .meta({ id: 'CartFileListRequest' });

/** The answer of `POST /carts/{cartId}/file-list`: where to PUT the list, and until when. */
export const cartFileListUploadSchema = z
  .strictObject({
    fileList: z.string(),
    url: z.string().meta({ description: 'Presigned PUT; send the `{"fileids": …}` JSON, no Authorization.' }),
    expires: z.iso.datetime(),
    maxBytes: z.number().int().positive(),
  })
  .meta({ id: 'CartFileListUpload' });
