import { z } from 'zod';

/** A space as the API shows it and the table holds it (SPEC §5.6). */
export const spaceSchema = z
  .object({
    id: z.string(),
    description: z.string(),
    quota: z.number().nullable().meta({ description: 'Bytes, or null for no quota.' }),
    used: z.number(),
    bagCount: z.number(),
  })
  .meta({ id: 'Space' });

export type Space = z.infer<typeof spaceSchema>;
