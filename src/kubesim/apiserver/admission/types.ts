import type { KubeObject, ResourceType } from '../../registry/types.ts';

/**
 * Kind-specific behaviour hooked into the generic write path: defaulting and validation that needs state
 * (service IPs), lifecycle (namespaces, CRDs), and bookkeeping after a commit. All hooks are synchronous; a
 * hook refuses a write by throwing an ApiError.
 */
export type AdmissionContext = {
  readonly type: ResourceType;
  readonly now: Date;
  readonly dryRun: boolean;
};

export interface Admission {
  /** Mutates and validates a new object before it is stored. Must not reserve state (that is `committed`). */
  create?(obj: KubeObject, ctx: AdmissionContext): void;
  /** Mutates and validates a replacement before it is stored. */
  update?(obj: KubeObject, old: KubeObject, ctx: AdmissionContext): void;
  /** After a create or update is stored (never on dry run). */
  committed?(obj: KubeObject, old: KubeObject | undefined, ctx: AdmissionContext): void;
  /** Before a DELETE is acted on; throw to refuse (protected namespaces). */
  deleting?(obj: KubeObject, ctx: AdmissionContext): void;
  /** Whether something besides metadata.finalizers keeps a deleted object (a namespace's spec.finalizers). */
  holdsDeletion?(obj: KubeObject): boolean;
  /** The object is being marked for deletion (deletionTimestamp set); mutate it before it is stored. */
  markDeleting?(obj: KubeObject, ctx: AdmissionContext): void;
  /** After the object has been marked for deletion and stored (never on dry run). */
  markedDeleting?(obj: KubeObject, ctx: AdmissionContext): void;
  /** After the object has left the store (never on dry run). */
  removed?(obj: KubeObject, ctx: AdmissionContext): void;
}
