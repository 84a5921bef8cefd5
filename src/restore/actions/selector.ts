import { compileLabelSelector, parseLabelSelector } from '../../core/selectors/index.ts';
import type { KubeObject, ResourceCatalog } from '../../kube/types.ts';
import { NamespaceFilter, ResourceFilter } from '../filters.ts';
import type { RestoreItemAction } from '../types.ts';

/** An action with its `appliesTo()` selector compiled against the target's discovery. */
export interface BoundAction {
  action: RestoreItemAction;
  applies(groupResource: string, namespace: string | undefined, object: KubeObject): boolean;
}

/** Compiles each action's selector once. Throws `Invalid` for an action with a bad label selector. */
export function bindActions(actions: readonly RestoreItemAction[], catalog: ResourceCatalog): BoundAction[] {
  return actions.map((action) => {
    const selector = action.appliesTo();
    const resources = new ResourceFilter(selector.includedResources, selector.excludedResources, catalog);
    const namespaces = new NamespaceFilter(selector.includedNamespaces, selector.excludedNamespaces);
    const labels = selector.labelSelector
      ? compileLabelSelector(parseLabelSelector(selector.labelSelector))
      : undefined;
    const byResource = new Map<string, boolean>();
    return {
      action,
      applies(groupResource, namespace, object) {
        let matches = byResource.get(groupResource);
        if (matches === undefined) {
          matches = resources.matches(groupResource);
          byResource.set(groupResource, matches);
        }
        if (!matches) return false;
        if (namespace !== undefined && !namespaces.matches(namespace)) return false;
        if (namespace === undefined && !namespaces.all) return false;
        return !labels || labels(object.metadata?.labels);
      },
    };
  });
}
