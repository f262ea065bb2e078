import { z } from 'zod';
import { HASH_TYPES } from './cart-file.ts';
import { MAX_CART_FILES } from './cart-request.ts';

/**
 * The shape of `POST /carts/{cartId}` (SPEC §5.5) for the API description. cart-request.ts checks
 * bodies itself, in Pacifica's words, with the rules that need the whole list (unique paths, no file
 * where another needs a directory).
 */
export const cartRequestSchema = z
  .strictObject({
    fileids: z
      .array(
        z.strictObject({
          id: z
            .string()
            .min(1)
            .meta({ description: 'A stored file id: {space}/{externalIdentifier}/{version}/{path}.' }),
          path: z
            .string()
            .meta({ description: 'Where the file goes in the tar: relative, no `..`, unique.' }),
          hashtype: z.enum(HASH_TYPES),
          hashsum: z
            .string()
            .optional()
            .meta({ description: "The expected hex digest, or empty to use the stored manifest's." }),
        }),
      )
      .min(1)
      .max(MAX_CART_FILES),
  })
  .meta({ id: 'CartRequest' });

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
