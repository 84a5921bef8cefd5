import { CRD_LABELS } from '../api/index.ts';
import type { InstallValues } from './values.ts';

/** Every object install applies carries these; upgrade prunes and uninstall deletes by them. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'lifeboat';
/** The namespace of the installation an object belongs to (several installations may share a cluster). */
export const INSTALL_LABEL = 'lifeboat.io/install';
/** The Lifeboat version that rendered an object. */
export const VERSION_ANNOTATION = 'lifeboat.io/version';

/** The label selector of one installation's inventory. */
export function inventorySelector(namespace: string): string {
  return `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${INSTALL_LABEL}=${namespace}`;
}

/** The inventory labels, the part-of label and the user's extra labels (the inventory ones win). */
export function installLabels(values: InstallValues): Record<string, string> {
  return {
    ...CRD_LABELS,
    ...values.labels,
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    [INSTALL_LABEL]: values.namespace,
  };
}

export function installAnnotations(values: InstallValues): Record<string, string> {
  return { [VERSION_ANNOTATION]: values.version };
}
