import { LABELS } from '../api/labels.ts';
import type { BackupSpec } from '../api/resources/backup.ts';
import { LifeboatError } from '../core/errors.ts';
import {
  compileLabelSelector,
  formatLabelSelector,
  type LabelSelectorObject,
  labelSelectorFromObject,
} from '../core/selectors/index.ts';
import type { ApiResourceInfo, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { IncludesExcludes, isGlob } from './glob.ts';
import { buildResourceFilter, type ResourceFilter } from './resource-filter.ts';

/** A spec compiled against one cluster: what to list, where, with which selectors. */
export interface BackupPlan {
  /** The namespace filter, with namespaces labelled `lifeboat.io/exclude-from-backup=true` added to the excludes. */
  namespaces: IncludesExcludes;
  resources: ResourceFilter;
  /**
   * Label selector strings for lists, one list per entry (several for `orLabelSelectors`); `undefined` for
   * no selector. The exclusion label is checked on each item instead: a server-side `!=` requirement
   * costs the API server more than sending the few excluded objects.
   */
  listSelectors: (string | undefined)[];
  /** The user's selectors as matchers (none: everything matches). */
  selectorMatchers: ((labels: Record<string, string> | undefined) => boolean)[];
  /** Whether the user gave a label selector. */
  hasSelector: boolean;
  /** Active namespaces the filter takes, by name, as listed when the backup started. */
  namespaceObjects: Map<string, KubeObject>;
  /** Namespaced lists go per namespace (these) when the includes are literal names; else one list for all. */
  listNamespaces: string[] | undefined;
  /** `orderedResources`: per `resource.group`, objects to back up first, in this order. */
  ordered: Map<string, { namespace?: string; name: string }[]>;
}

/**
 * Compiles a validated spec. `allNamespaces` is every namespace in the cluster (for the exclusion label and
 * globs). Throws `Invalid` for what validation would have refused.
 */
export function compilePlan(
  spec: BackupSpec,
  catalog: ResourceCatalog,
  allNamespaces: readonly KubeObject[],
): BackupPlan {
  const labelled = allNamespaces
    .filter((ns) => ns.metadata?.labels?.[LABELS.excludeFromBackup] === 'true')
    .map((ns) => ns.metadata?.name ?? '');
  const userIncludes = spec.includedNamespaces ?? [];
  const userExcludes = spec.excludedNamespaces ?? [];
  const namespaces = new IncludesExcludes(userIncludes, [...userExcludes, ...labelled]);
  // Cluster-scoped types follow whether the *user* asked for every namespace, not the exclusion label.
  const userNamespaces = new IncludesExcludes(userIncludes, userExcludes);
  const resources = buildResourceFilter(spec, catalog, userNamespaces);

  const selectorObjects: LabelSelectorObject[] = spec.labelSelector
    ? [spec.labelSelector]
    : (spec.orLabelSelectors ?? []);
  const listSelectors: (string | undefined)[] = [];
  const selectorMatchers: BackupPlan['selectorMatchers'] = [];
  for (const object of selectorObjects) {
    const selector = labelSelectorFromObject(object);
    const text = formatLabelSelector(selector);
    listSelectors.push(text || undefined);
    selectorMatchers.push(compileLabelSelector(selector));
  }
  if (listSelectors.length === 0) listSelectors.push(undefined);

  const namespaceObjects = new Map<string, KubeObject>();
  for (const ns of allNamespaces) {
    const name = ns.metadata?.name;
    const phase = (ns.status as { phase?: string } | undefined)?.phase;
    if (!name || (phase && phase !== 'Active')) continue;
    if (namespaces.shouldInclude(name)) namespaceObjects.set(name, ns);
  }
  const literal = userIncludes.length > 0 && !userIncludes.some(isGlob);
  const listNamespaces = literal
    ? [...new Set(userIncludes)].filter((n) => namespaceObjects.has(n))
    : undefined;

  return {
    namespaces,
    resources,
    listSelectors,
    selectorMatchers,
    hasSelector: selectorObjects.length > 0,
    namespaceObjects,
    listNamespaces,
    ordered: parseOrderedResources(spec.orderedResources ?? {}, catalog),
  };
}

/** Whether an object's labels pass the user's selectors (any of them; all pass when there are none). */
export function matchesSelectors(plan: BackupPlan, labels: Record<string, string> | undefined): boolean {
  return plan.selectorMatchers.length === 0 || plan.selectorMatchers.some((m) => m(labels));
}

function parseOrderedResources(
  ordered: Record<string, string>,
  catalog: ResourceCatalog,
): BackupPlan['ordered'] {
  const out: BackupPlan['ordered'] = new Map();
  for (const [resource, names] of Object.entries(ordered)) {
    const info = catalog.resolve(resource);
    if (!info)
      throw new LifeboatError('Invalid', `resource ${JSON.stringify(resource)} is not known to the cluster`, {
        field: `spec.orderedResources.${resource}`,
      });
    out.set(
      info.groupResource,
      names
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '')
        .map((n) => orderedName(info, n)),
    );
  }
  return out;
}

function orderedName(info: ApiResourceInfo, text: string): { namespace?: string; name: string } {
  const slash = text.indexOf('/');
  if (!info.namespaced || slash === -1) return { name: slash === -1 ? text : text.slice(slash + 1) };
  return { namespace: text.slice(0, slash), name: text.slice(slash + 1) };
}
