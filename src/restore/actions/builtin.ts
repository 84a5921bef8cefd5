import type { RestoreItemAction } from '../types.ts';
import { changeStorageClassAction } from './change-storage-class.ts';
import { clusterManagedAction } from './cluster-managed.ts';
import { jobAction } from './job.ts';
import { persistentVolumeAction, persistentVolumeClaimAction } from './persistent-volumes.ts';
import { podAction } from './pod.ts';
import { roleBindingsAction } from './role-bindings.ts';
import { secretAction } from './secret.ts';
import { serviceAction } from './service.ts';
import { serviceAccountAction } from './service-account.ts';

export interface BuiltinActionOptions {
  namespaceMapping: Record<string, string>;
  /** The change-storage-class ConfigMap's data, when one exists. */
  storageClassMapping?: Record<string, string>;
}

/** The built-in restore item actions, registered as any plugin's would be, in name order (as Velero runs them). */
export function builtinActions(options: BuiltinActionOptions): RestoreItemAction[] {
  const actions = [
    clusterManagedAction,
    jobAction,
    podAction,
    persistentVolumeAction(options.namespaceMapping),
    persistentVolumeClaimAction,
    roleBindingsAction(options.namespaceMapping),
    secretAction,
    serviceAccountAction,
    serviceAction,
  ];
  if (options.storageClassMapping) actions.push(changeStorageClassAction(options.storageClassMapping));
  return actions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
