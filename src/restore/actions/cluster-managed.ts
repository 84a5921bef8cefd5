import type { RestoreItemAction } from '../types.ts';

/**
 * Objects the target cluster makes for itself: APIServices its aggregator manages (label
 * `kube-aggregator.kubernetes.io/automanaged`, as Velero skips them) and the `kube-root-ca.crt` ConfigMap the
 * root-CA publisher puts in every namespace (restoring the old cluster's CA over it would be wrong, and
 * leaving it gives a "differs" warning per namespace).
 */
export const clusterManagedAction: RestoreItemAction = {
  name: 'lifeboat.io/cluster-managed',
  appliesTo: () => ({ includedResources: ['apiservices.apiregistration.k8s.io', 'configmaps'] }),
  execute({ item }) {
    if (item.kind === 'APIService' && item.metadata?.labels?.['kube-aggregator.kubernetes.io/automanaged'])
      return { updatedItem: item, skipRestore: true, skipReason: 'APIService managed by the aggregator' };
    if (item.kind === 'ConfigMap' && item.metadata?.name === 'kube-root-ca.crt')
      return { updatedItem: item, skipRestore: true, skipReason: 'published by the target cluster' };
    return { updatedItem: item };
  },
};
