import type { Backup } from '../api/resources/backup.ts';
import { compileLabelSelector, parseLabelSelector } from '../core/selectors/index.ts';
import type { ApiResourceInfo, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { IncludesExcludes } from './glob.ts';
import { resolveResourceNames } from './resource-filter.ts';

/**
 * The backup item action extension point, shaped like Velero's BackupItemAction (v1): an action says which
 * items it applies to, and for each of them may change the item and name further items to back up with it.
 * Built-in actions are registered through this same interface; out-of-process plugins will be adapted to it.
 */

/** Which items an action applies to; empty lists mean "all", `labelSelector` is the string form. */
export interface ResourceSelector {
  includedNamespaces?: readonly string[];
  excludedNamespaces?: readonly string[];
  /** Resource names as a user writes them (`pods`, `deploy`, `widgets.example.io`) or globs; `*` for all. */
  includedResources?: readonly string[];
  excludedResources?: readonly string[];
  labelSelector?: string;
}

/** One object, named by its `resource.group` (`persistentvolumes`, `customresourcedefinitions.apiextensions.k8s.io`). */
export interface ResourceIdentifier {
  groupResource: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

export interface BackupItemActionResult {
  /** The item to write (the input, possibly changed). */
  item: KubeObject;
  /** Objects to back up along with this one (fetched live, then filtered like any related item). */
  additionalItems?: readonly ResourceIdentifier[];
}

export interface BackupItemAction {
  /** `<domain>/<name>`, e.g. `lifeboat.io/pod`. Actions run in name order, built-in ones first. */
  readonly name: string;
  appliesTo(): ResourceSelector | Promise<ResourceSelector>;
  /** Must not keep `item`; throw to fail the item (recorded as an error of its namespace). */
  execute(item: KubeObject, backup: Backup): Promise<BackupItemActionResult>;
}

/** An action with its selector compiled against one cluster's catalog, for the hot path. */
export interface ResolvedAction {
  readonly action: BackupItemAction;
  appliesToResource(resource: ApiResourceInfo): boolean;
  appliesToItem(namespace: string | undefined, labels: Record<string, string> | undefined): boolean;
}

/** Compiles every action's selector once per backup. */
export async function resolveActions(
  actions: readonly BackupItemAction[],
  catalog: ResourceCatalog,
): Promise<ResolvedAction[]> {
  const resolved: ResolvedAction[] = [];
  for (const action of actions) {
    const selector = await action.appliesTo();
    const resources = new IncludesExcludes(
      resolveResourceNames(selector.includedResources, catalog),
      resolveResourceNames(selector.excludedResources, catalog),
    );
    const namespaces = new IncludesExcludes(selector.includedNamespaces, selector.excludedNamespaces);
    const labels = selector.labelSelector
      ? compileLabelSelector(parseLabelSelector(selector.labelSelector))
      : undefined;
    resolved.push({
      action,
      appliesToResource: (r) => resources.shouldInclude(r.groupResource),
      appliesToItem(namespace, itemLabels) {
        if (namespace ? !namespaces.shouldInclude(namespace) : !namespaces.includesEverything()) return false;
        return labels ? labels(itemLabels) : true;
      },
    });
  }
  return resolved;
}
