import { z } from 'zod';
import { API_VERSION } from '../group.ts';
import { objectMetaSchema } from './metadata.ts';

/**
 * The envelope every Lifeboat resource shares: `apiVersion`, `kind`, `metadata`, `spec`, `status`.
 * `apiVersion` and `kind` may be left out (list items and builders often lack them) but, when present, must
 * name this resource. `metadata` defaults to empty; `status` belongs to the controllers.
 */
export function resourceSchema<K extends string, Spec extends z.ZodType, Status extends z.ZodType>(
  kind: K,
  spec: Spec,
  status: Status,
  description: string,
) {
  return z
    .object({
      apiVersion: z
        .literal(API_VERSION)
        .optional()
        .describe('The versioned schema of this object: always lifeboat.io/v1.'),
      kind: z.literal(kind).optional().describe(`The kind of this object: always ${kind}.`),
      metadata: objectMetaSchema.default(() => ({})),
      spec,
      status: status.optional(),
    })
    .describe(description);
}
