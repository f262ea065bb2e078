import { z } from 'zod';
import { ROLES } from './roles.ts';

/** An API key's grant, as `GET /keys` lists it: never a secret or a hash. */
export const keyGrantSchema = z
  .object({
    user: z.string(),
    spaces: z.array(z.string()),
    roles: z.array(z.enum(ROLES)),
    createdDate: z.string(),
  })
  .meta({ id: 'KeyGrant' });

/** `POST /keys`: the grant and, this once, the key itself. */
export const issuedKeySchema = keyGrantSchema
  .extend({ key: z.string().meta({ description: '`user:secret`: the only time the secret is shown.' }) })
  .meta({ id: 'IssuedKey' });

/** The DynamoDB item of a key: its grant and the secret's hash (never the secret). */
export const keyRecordSchema = keyGrantSchema.extend({ secretHash: z.string() });

export type KeyGrant = z.infer<typeof keyGrantSchema>;
export type IssuedKey = z.infer<typeof issuedKeySchema>;
