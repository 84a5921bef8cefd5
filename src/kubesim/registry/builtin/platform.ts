import {
  clusterRoleBindingTable,
  csiDriverTable,
  csiNodeTable,
  ingressClassTable,
  ingressTable,
  leaseTable,
  networkPolicyTable,
  priorityClassTable,
  roleBindingTable,
  storageClassTable,
  volumeAttachmentTable,
} from '../../table/printers/cluster.ts';
import { eventTable } from '../../table/printers/core.ts';
import { eventsV1Fields } from '../field-selectors.ts';
import type { ResourceType } from '../types.ts';
import { builtin, CREATE_ONLY_VERBS } from './define.ts';

/**
 * networking, RBAC, storage, coordination, scheduling, events.k8s.io and the create-only review APIs.
 * Kinds the real server has no printer for (roles, cluster roles) get the generic Name / Created At table.
 */
export function platformTypes(): ResourceType[] {
  const rbac = { group: 'rbac.authorization.k8s.io' };
  const storage = { group: 'storage.k8s.io', namespaced: false };
  return [
    builtin({
      group: 'networking.k8s.io',
      resource: 'ingresses',
      kind: 'Ingress',
      namespaced: true,
      shortNames: ['ing'],
      subresources: { status: true },
      tracksGeneration: true,
      table: ingressTable,
    }),
    builtin({
      group: 'networking.k8s.io',
      resource: 'ingressclasses',
      kind: 'IngressClass',
      namespaced: false,
      tracksGeneration: true,
      table: ingressClassTable,
    }),
    builtin({
      group: 'networking.k8s.io',
      resource: 'networkpolicies',
      kind: 'NetworkPolicy',
      namespaced: true,
      shortNames: ['netpol'],
      tracksGeneration: true,
      table: networkPolicyTable,
    }),
    builtin({ ...rbac, resource: 'roles', kind: 'Role', namespaced: true }),
    builtin({
      ...rbac,
      resource: 'rolebindings',
      kind: 'RoleBinding',
      namespaced: true,
      table: roleBindingTable,
    }),
    builtin({ ...rbac, resource: 'clusterroles', kind: 'ClusterRole', namespaced: false }),
    builtin({
      ...rbac,
      resource: 'clusterrolebindings',
      kind: 'ClusterRoleBinding',
      namespaced: false,
      table: clusterRoleBindingTable,
    }),
    builtin({
      ...storage,
      resource: 'storageclasses',
      kind: 'StorageClass',
      shortNames: ['sc'],
      returnDeletedObject: true,
      table: storageClassTable,
    }),
    builtin({ ...storage, resource: 'csidrivers', kind: 'CSIDriver', table: csiDriverTable }),
    builtin({ ...storage, resource: 'csinodes', kind: 'CSINode', table: csiNodeTable }),
    builtin({
      ...storage,
      resource: 'volumeattachments',
      kind: 'VolumeAttachment',
      subresources: { status: true },
      table: volumeAttachmentTable,
    }),
    builtin({
      group: 'coordination.k8s.io',
      resource: 'leases',
      kind: 'Lease',
      namespaced: true,
      table: leaseTable,
    }),
    builtin({
      group: 'scheduling.k8s.io',
      resource: 'priorityclasses',
      kind: 'PriorityClass',
      namespaced: false,
      shortNames: ['pc'],
      table: priorityClassTable,
    }),
    builtin({
      group: 'events.k8s.io',
      resource: 'events',
      kind: 'Event',
      namespaced: true,
      shortNames: ['ev'],
      table: eventTable,
      fieldSelectors: eventsV1Fields,
    }),
    builtin({
      group: 'authorization.k8s.io',
      resource: 'selfsubjectaccessreviews',
      kind: 'SelfSubjectAccessReview',
      namespaced: false,
      verbs: CREATE_ONLY_VERBS,
    }),
    builtin({
      group: 'authentication.k8s.io',
      resource: 'selfsubjectreviews',
      kind: 'SelfSubjectReview',
      namespaced: false,
      verbs: CREATE_ONLY_VERBS,
    }),
    builtin({
      group: 'authentication.k8s.io',
      resource: 'tokenreviews',
      kind: 'TokenReview',
      namespaced: false,
      verbs: CREATE_ONLY_VERBS,
    }),
  ];
}
