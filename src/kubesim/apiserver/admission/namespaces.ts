import type { KubeObject } from '../../registry/types.ts';
import { forbidden } from '../errors.ts';
import type { Admission } from './types.ts';

/**
 * Namespaces (kube-api-surface.md §c.10): the `kubernetes.io/metadata.name` label, the `kubernetes` finalizer
 * in spec, phase Active or Terminating, and the three namespaces that may not be deleted.
 */
export const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

type NamespaceSpec = { finalizers?: string[] };

function nameLabel(obj: KubeObject): void {
  obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name ?? '' };
}

export const namespaceAdmission: Admission = {
  create(obj) {
    nameLabel(obj);
    const spec = (obj.spec ?? {}) as NamespaceSpec;
    if (spec.finalizers === undefined) spec.finalizers = ['kubernetes'];
    obj.spec = spec;
    obj.status = { phase: 'Active' };
  },
  update(obj, old) {
    nameLabel(obj);
    // spec.finalizers change only through the `finalize` subresource, which hands in `old` with its new spec.
    obj.spec = old.spec;
    if (obj.status === undefined) obj.status = old.status;
  },
  deleting(obj, ctx) {
    const name = obj.metadata.name ?? '';
    if (PROTECTED_NAMESPACES.has(name)) {
      throw forbidden(ctx.type, name, 'this namespace may not be deleted');
    }
  },
  holdsDeletion(obj) {
    return ((obj.spec as NamespaceSpec | undefined)?.finalizers?.length ?? 0) > 0;
  },
  markDeleting(obj) {
    obj.status = { ...(obj.status as object), phase: 'Terminating' };
  },
};
