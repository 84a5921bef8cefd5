import { z } from 'zod';
import { stringMap, timestamp } from './fields.ts';

/**
 * The parts of Kubernetes' `ObjectMeta` Lifeboat reads or writes. Every other metadata field the API server
 * sets (managedFields, selfLink, …) passes through untouched, so an object read, changed and written back
 * loses nothing. In a CRD the root `metadata` is always just `type: object`; the API server validates it.
 */
export const ownerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

export const objectMetaSchema = z
  .looseObject({
    name: z.string().optional(),
    generateName: z.string().optional(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.int().optional(),
    creationTimestamp: timestamp().optional(),
    deletionTimestamp: timestamp().optional(),
    labels: stringMap().optional(),
    annotations: stringMap().optional(),
    finalizers: z.array(z.string()).optional(),
    ownerReferences: z.array(ownerReferenceSchema).optional(),
  })
  .describe('Standard Kubernetes object metadata: name, namespace, labels, annotations.')
  .meta({ 'x-lifeboat-type': 'ObjectMeta' });

export type ObjectMeta = z.infer<typeof objectMetaSchema>;
export type OwnerReference = z.infer<typeof ownerReferenceSchema>;

/** The metadata a Schedule's backup template may carry: labels copied onto every backup it creates. */
export const templateMetadataSchema = z
  .object({
    labels: stringMap()
      .optional()
      .describe('Labels put on each Backup the schedule creates (instead of the Schedule’s own labels).'),
  })
  .describe('Metadata for the Backups a Schedule creates.');
