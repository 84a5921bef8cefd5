import { z } from 'zod';

/**
 * References to other Kubernetes objects, shaped as their core/v1 counterparts so that Velero manifests
 * and `kubectl explain` readers recognise them.
 */

/** `corev1.TypedLocalObjectReference`: an object in the same namespace, by kind and name. */
export const typedLocalObjectReferenceSchema = z
  .object({
    apiGroup: z.string().optional().describe('API group of the referenced object; empty for the core group.'),
    kind: z.string().describe('Kind of the referenced object (for example `configmap`).'),
    name: z.string().describe('Name of the referenced object.'),
  })
  .meta({ 'x-kubernetes-map-type': 'atomic', 'x-lifeboat-type': 'TypedLocalObjectReference' });

/** `corev1.SecretKeySelector`: one key of a Secret in the Lifeboat namespace. */
export const secretKeySelectorSchema = z
  .object({
    name: z.string().default('').describe('Name of the Secret, in the Lifeboat namespace.'),
    key: z.string().describe('The key within the Secret whose value is used.'),
    optional: z.boolean().optional().describe('Whether the Secret or its key may be missing.'),
  })
  .meta({ 'x-kubernetes-map-type': 'atomic', 'x-lifeboat-type': 'SecretKeySelector' });

/** `corev1.ObjectReference`: any object, by kind, namespace, name and uid. */
export const objectReferenceSchema = z
  .object({
    apiVersion: z.string().optional().describe('API version of the referenced object.'),
    kind: z.string().optional().describe('Kind of the referenced object.'),
    namespace: z.string().optional().describe('Namespace of the referenced object.'),
    name: z.string().optional().describe('Name of the referenced object.'),
    uid: z.string().optional().describe('UID of the referenced object.'),
    resourceVersion: z.string().optional().describe('The resource version the reference was made at.'),
    fieldPath: z.string().optional().describe('A part of the object, when the reference is to one.'),
  })
  .meta({ 'x-kubernetes-map-type': 'atomic', 'x-lifeboat-type': 'ObjectReference' });

export type TypedLocalObjectReference = z.infer<typeof typedLocalObjectReferenceSchema>;
export type SecretKeySelector = z.infer<typeof secretKeySelectorSchema>;
export type ObjectReference = z.infer<typeof objectReferenceSchema>;
