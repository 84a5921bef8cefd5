import { LifeboatError } from '../core/errors.ts';
import type { ResourcePriorities } from './types.ts';

/**
 * The order resources are restored in (reference velero.md §5.2). Velero's default list, with its slip fixed
 * (`volumesnapshotclass.snapshot.storage.k8s.io`, singular, never matched anything: the resource is
 * `volumesnapshotclasses`) and Lifeboat's own DataUploads in place of Velero's.
 */
export const DEFAULT_RESTORE_PRIORITIES: ResourcePriorities = {
  high: [
    'customresourcedefinitions.apiextensions.k8s.io',
    'namespaces',
    'storageclasses.storage.k8s.io',
    'volumesnapshotclasses.snapshot.storage.k8s.io',
    'volumesnapshotcontents.snapshot.storage.k8s.io',
    'volumesnapshots.snapshot.storage.k8s.io',
    'datauploads.lifeboat.io',
    'persistentvolumes',
    'persistentvolumeclaims',
    'clusterroles.rbac.authorization.k8s.io',
    'roles.rbac.authorization.k8s.io',
    'serviceaccounts',
    'clusterrolebindings.rbac.authorization.k8s.io',
    'rolebindings.rbac.authorization.k8s.io',
    'secrets',
    'configmaps',
    'limitranges',
    'priorityclasses.scheduling.k8s.io',
    'pods',
    'replicasets.apps',
    'clusterclasses.cluster.x-k8s.io',
    'endpoints',
    'services',
  ],
  low: [
    'clusterbootstraps.run.tanzu.vmware.com',
    'clusters.cluster.x-k8s.io',
    'clusterresourcesets.addons.cluster.x-k8s.io',
    'apps.kappctrl.k14s.io',
    'packageinstalls.packaging.carvel.dev',
  ],
};

/**
 * Parses the server flag's format: the high list, then `-`, then the low list, comma-separated
 * (`customresourcedefinitions,namespaces,-,clusters.cluster.x-k8s.io`). Entries are `resource.group` names.
 */
export function parseResourcePriorities(text: string): ResourcePriorities {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const dash = parts.indexOf('-');
  if (dash !== parts.lastIndexOf('-'))
    throw new LifeboatError(
      'Invalid',
      `restore resource priorities ${JSON.stringify(text)} have more than one "-"`,
    );
  const high = dash < 0 ? parts : parts.slice(0, dash);
  const low = dash < 0 ? [] : parts.slice(dash + 1);
  const seen = new Set<string>();
  for (const name of [...high, ...low]) {
    if (seen.has(name))
      throw new LifeboatError('Invalid', `restore resource priorities name ${JSON.stringify(name)} twice`);
    seen.add(name);
  }
  return { high, low };
}

/**
 * Orders `groupResources`: the high list in its order, the rest alphabetically by `resource.group`, then the
 * low list in its order. Entries of the lists that are absent are ignored. CRDs always come first: custom
 * resources cannot be created before them.
 */
export function orderResources(groupResources: Iterable<string>, priorities: ResourcePriorities): string[] {
  const present = new Set(groupResources);
  const high = priorities.high.filter((r) => present.has(r));
  const low = priorities.low.filter((r) => present.has(r));
  const listed = new Set([...high, ...low]);
  const middle = [...present].filter((r) => !listed.has(r)).sort();
  const ordered = [...high, ...middle, ...low];
  const crd = ordered.indexOf(CRD_RESOURCE);
  if (crd > 0) {
    ordered.splice(crd, 1);
    ordered.unshift(CRD_RESOURCE);
  }
  return ordered;
}

export const CRD_RESOURCE = 'customresourcedefinitions.apiextensions.k8s.io';
