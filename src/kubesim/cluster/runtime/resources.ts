import { LifeboatError } from '../../../core/errors.ts';
import type { ObjectService, ResourceRef } from '../../apiserver/types.ts';

const BUILTIN = {
  namespaces: ['', 'v1', 'namespaces'],
  nodes: ['', 'v1', 'nodes'],
  pods: ['', 'v1', 'pods'],
  services: ['', 'v1', 'services'],
  endpoints: ['', 'v1', 'endpoints'],
  configMaps: ['', 'v1', 'configmaps'],
  secrets: ['', 'v1', 'secrets'],
  serviceAccounts: ['', 'v1', 'serviceaccounts'],
  pvcs: ['', 'v1', 'persistentvolumeclaims'],
  pvs: ['', 'v1', 'persistentvolumes'],
  events: ['', 'v1', 'events'],
  leases: ['coordination.k8s.io', 'v1', 'leases'],
  deployments: ['apps', 'v1', 'deployments'],
  replicaSets: ['apps', 'v1', 'replicasets'],
  statefulSets: ['apps', 'v1', 'statefulsets'],
  daemonSets: ['apps', 'v1', 'daemonsets'],
  controllerRevisions: ['apps', 'v1', 'controllerrevisions'],
  jobs: ['batch', 'v1', 'jobs'],
  cronJobs: ['batch', 'v1', 'cronjobs'],
  storageClasses: ['storage.k8s.io', 'v1', 'storageclasses'],
  csiDrivers: ['storage.k8s.io', 'v1', 'csidrivers'],
  csiNodes: ['storage.k8s.io', 'v1', 'csinodes'],
  volumeSnapshots: ['snapshot.storage.k8s.io', 'v1', 'volumesnapshots'],
  volumeSnapshotContents: ['snapshot.storage.k8s.io', 'v1', 'volumesnapshotcontents'],
  volumeSnapshotClasses: ['snapshot.storage.k8s.io', 'v1', 'volumesnapshotclasses'],
  crds: ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions'],
} as const;

/** The built-in resources the simulation reads and writes, resolved once through `api.lookup`. */
export type ClusterRefs = { readonly [K in keyof typeof BUILTIN]: ResourceRef };

export function resolveRefs(api: ObjectService): ClusterRefs {
  const refs: Record<string, ResourceRef> = {};
  const missing: string[] = [];
  for (const [key, [group, version, resource]] of Object.entries(BUILTIN)) {
    const ref = api.lookup(group, version, resource);
    if (ref) refs[key] = ref;
    else missing.push(group ? `${resource}.${group}/${version}` : `${resource}/${version}`);
  }
  if (missing.length > 0) {
    throw new LifeboatError('Internal', `the API server does not serve ${missing.join(', ')}`);
  }
  return refs as ClusterRefs;
}
