import type { BackupSpec } from '../api/resources/backup.ts';
import type { ApiResourceInfo, ResourceCatalog } from '../kube/types.ts';
import { IncludesExcludes, isGlob } from './glob.ts';

/**
 * Which resources a backup lists, and which related items (a pod's PVCs, a PVC's PV, a custom resource's CRD)
 * it admits, following Velero's two filter styles:
 *
 * - old: `includedResources` / `excludedResources` / `includeClusterResources` (unset = cluster-scoped types
 *   only when every namespace is backed up; true = subject to the resource filter; false = none at all);
 * - new: `included|excludedClusterScopedResources` and `included|excludedNamespaceScopedResources` (cluster
 *   types only when named, or when both cluster lists are empty and the backup takes every namespace and
 *   every namespaced type).
 *
 * Related cluster-scoped items pass unless their type is explicitly excluded (or `includeClusterResources`
 * is false); related namespaced items must pass the namespaced filter. Namespace objects are handled apart:
 * see `namespaceObjects`.
 */
export interface ResourceFilter {
  readonly style: 'old' | 'new';
  /** Whether the items of `resource` are listed. Never true for `namespaces` (see `namespaceObjects`). */
  collects(resource: ApiResourceInfo): boolean;
  /** Whether an item of `resource` that an action or ordering brought in may be backed up. */
  admitsRelated(resource: ApiResourceInfo): boolean;
  /**
   * `all`: every namespace the namespace filter takes is backed up (with a label selector and no namespace
   * filter, those whose labels match); `related`: only namespaces holding a backed-up item; `none`: the
   * `namespaces` resource is explicitly excluded.
   */
  readonly namespaceObjects: 'all' | 'related' | 'none';
}

/** Filter lists as user input: resource names the way `resolve()` takes them, or globs over `resource.group`. */
type Lists = Pick<
  BackupSpec,
  | 'includedResources'
  | 'excludedResources'
  | 'includeClusterResources'
  | 'includedClusterScopedResources'
  | 'excludedClusterScopedResources'
  | 'includedNamespaceScopedResources'
  | 'excludedNamespaceScopedResources'
>;

const OLD_FIELDS = ['includedResources', 'excludedResources', 'includeClusterResources'] as const;
const NEW_FIELDS = [
  'includedClusterScopedResources',
  'excludedClusterScopedResources',
  'includedNamespaceScopedResources',
  'excludedNamespaceScopedResources',
] as const;

/** Resources always left out of listing: only snapshots a backup makes itself belong in it (Velero does so). */
export const AUTO_EXCLUDED_RESOURCES: readonly string[] = [
  'volumesnapshots.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
];

/** The fields of each style that are set, for the "mixed filters" check. */
export function filterStylesUsed(spec: Lists): { old: string[]; new: string[] } {
  const old = OLD_FIELDS.filter((f) =>
    f === 'includeClusterResources' ? spec[f] != null : (spec[f]?.length ?? 0) > 0,
  );
  const neu = NEW_FIELDS.filter((f) => (spec[f]?.length ?? 0) > 0);
  return { old: [...old], new: [...neu] };
}

/**
 * Resolves a filter list's names through the catalog (`deploy` → `deployments.apps`); globs and `*` stay
 * patterns. Unknown names are reported through `unknown` (with their index) and kept as written, so they
 * match nothing.
 */
export function resolveResourceNames(
  names: readonly string[] | null | undefined,
  catalog: ResourceCatalog,
  unknown?: (index: number, name: string) => void,
): string[] {
  return (names ?? []).map((name, i) => {
    if (isGlob(name)) return name;
    const info = catalog.resolve(name);
    if (!info) {
      unknown?.(i, name);
      return name;
    }
    return info.groupResource;
  });
}

/**
 * Builds the filter of a (validated) spec. `namespaces` is the backup's namespace filter, needed because
 * cluster-scoped types follow it when `includeClusterResources` is unset.
 */
export function buildResourceFilter(
  spec: Lists,
  catalog: ResourceCatalog,
  namespaces: IncludesExcludes,
): ResourceFilter {
  const resolve = (list: readonly string[] | null | undefined) => resolveResourceNames(list, catalog);
  if (filterStylesUsed(spec).new.length > 0) {
    const cluster = new IncludesExcludes(
      resolve(spec.includedClusterScopedResources),
      resolve(spec.excludedClusterScopedResources),
    );
    const namespaced = new IncludesExcludes(
      resolve(spec.includedNamespaceScopedResources),
      resolve([...(spec.excludedNamespaceScopedResources ?? []), ...AUTO_EXCLUDED_RESOURCES]),
    );
    const clusterListsEmpty = cluster.includes.length === 0 && cluster.excludes.length === 0;
    const takesEverything =
      namespaces.includesEverything() &&
      !namespaced.hasExplicitIncludes() &&
      (spec.excludedNamespaceScopedResources?.length ?? 0) === 0;
    const excludedNamespaces = cluster.shouldExclude('namespaces');
    return {
      style: 'new',
      collects(r) {
        if (r.groupResource === 'namespaces') return false;
        if (r.namespaced) return namespaced.shouldInclude(r.groupResource);
        if (cluster.shouldExclude(r.groupResource) || isAutoExcluded(r)) return false;
        if (clusterListsEmpty) return takesEverything;
        return cluster.hasExplicitIncludes()
          ? cluster.shouldInclude(r.groupResource)
          : cluster.includes.includes('*');
      },
      admitsRelated(r) {
        if (r.namespaced) return namespaced.shouldInclude(r.groupResource);
        return !cluster.shouldExclude(r.groupResource);
      },
      namespaceObjects: excludedNamespaces ? 'none' : 'all',
    };
  }

  const resources = new IncludesExcludes(resolve(spec.includedResources), resolve(spec.excludedResources));
  const includeCluster = spec.includeClusterResources;
  return {
    style: 'old',
    collects(r) {
      if (r.groupResource === 'namespaces' || isAutoExcluded(r)) return false;
      if (!r.namespaced) {
        if (includeCluster === false) return false;
        if (includeCluster == null && !namespaces.includesEverything()) return false;
      }
      return resources.shouldInclude(r.groupResource);
    },
    admitsRelated(r) {
      if (r.namespaced) return resources.shouldInclude(r.groupResource);
      if (includeCluster === false) return false;
      return !resources.shouldExclude(r.groupResource);
    },
    namespaceObjects: resources.shouldExclude('namespaces')
      ? 'none'
      : resources.shouldInclude('namespaces')
        ? 'all'
        : 'related',
  };
}

function isAutoExcluded(r: ApiResourceInfo): boolean {
  return AUTO_EXCLUDED_RESOURCES.includes(r.groupResource);
}
