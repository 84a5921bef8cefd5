import type { Restore } from '../api/resources/restore.ts';
import { NON_RESTORABLE_RESOURCES } from '../api/resources/restore.ts';
import { compileLabelSelector, labelSelectorFromObject } from '../core/selectors/index.ts';
import type { ResourceCatalog } from '../kube/types.ts';

/**
 * The Restore's selection: which resources, namespaces and labelled objects are restored (reference velero.md
 * §5.2). Namespaces are matched by their name in the backup, before mapping.
 */

/** `*` and `?` globs as Velero's namespace filters use them (anchored, no other metacharacters). */
export function globMatcher(pattern: string): (value: string) => boolean {
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`);
  return (value) => re.test(value);
}

export class NamespaceFilter {
  readonly #includes: ((ns: string) => boolean)[];
  readonly #excludes: ((ns: string) => boolean)[];
  /** True when every namespace passes (no includes or `*`, no excludes). */
  readonly all: boolean;

  constructor(
    includes: readonly string[] | null | undefined,
    excludes: readonly string[] | null | undefined,
  ) {
    const inc = (includes ?? []).filter((p) => p !== '');
    const everything = inc.length === 0 || inc.includes('*');
    this.#includes = everything ? [] : inc.map(globMatcher);
    this.#excludes = (excludes ?? []).map(globMatcher);
    this.all = everything && this.#excludes.length === 0;
  }

  matches(namespace: string): boolean {
    if (this.#excludes.some((m) => m(namespace))) return false;
    return this.#includes.length === 0 || this.#includes.some((m) => m(namespace));
  }
}

/**
 * Resource include/exclude by `resource.group`. Names resolve through the target's discovery when they can
 * (so `deploy` and `Deployment` work); names unknown there (custom resources whose CRD is in the backup)
 * match a group-resource literally or by its plural (`widgets` matches `widgets.example.com`).
 */
export class ResourceFilter {
  readonly #includes: string[];
  readonly #excludes: string[];
  readonly #all: boolean;
  #catalog: ResourceCatalog;

  constructor(
    includes: readonly string[] | null | undefined,
    excludes: readonly string[] | null | undefined,
    catalog: ResourceCatalog,
    alwaysExcluded: readonly string[] = [],
  ) {
    const inc = (includes ?? []).filter((p) => p !== '');
    this.#all = inc.length === 0 || inc.includes('*');
    this.#includes = this.#all ? [] : inc;
    this.#excludes = [...(excludes ?? []), ...alwaysExcluded];
    this.#catalog = catalog;
  }

  /** Re-resolves names after discovery changed (CRDs restored). */
  useCatalog(catalog: ResourceCatalog): void {
    this.#catalog = catalog;
  }

  matches(groupResource: string): boolean {
    if (this.#excludes.some((n) => this.#names(n, groupResource))) return false;
    return this.#all || this.#includes.some((n) => this.#names(n, groupResource));
  }

  /** True when the include list names it explicitly (not through `*` or an empty list). */
  explicitlyIncluded(groupResource: string): boolean {
    return this.#includes.some((n) => this.#names(n, groupResource));
  }

  #names(name: string, groupResource: string): boolean {
    if (name === '*') return true;
    const lower = name.toLowerCase();
    if (lower === groupResource) return true;
    const resolved = this.#catalog.resolve(name);
    if (resolved) return resolved.groupResource === groupResource;
    const dot = groupResource.indexOf('.');
    return dot > 0 && groupResource.slice(0, dot) === lower;
  }
}

type Matcher = ReturnType<typeof compileLabelSelector>;

/** `labelSelector` / `orLabelSelectors` of a Restore, compiled. */
export class LabelFilter {
  readonly #and: Matcher | undefined;
  readonly #or: Matcher[];

  constructor(restore: Restore) {
    const spec = restore.spec;
    this.#and = spec.labelSelector
      ? compileLabelSelector(labelSelectorFromObject(spec.labelSelector))
      : undefined;
    this.#or = (spec.orLabelSelectors ?? []).map((s) => compileLabelSelector(labelSelectorFromObject(s)));
  }

  matches(labels: Record<string, string> | undefined): boolean {
    if (this.#and && !this.#and(labels)) return false;
    if (this.#or.length > 0 && !this.#or.some((m) => m(labels))) return false;
    return true;
  }
}

/** Every selection rule of one Restore. */
export class RestoreSelection {
  readonly namespaces: NamespaceFilter;
  readonly resources: ResourceFilter;
  readonly labels: LabelFilter;
  readonly #includeClusterResources: boolean | null | undefined;

  constructor(restore: Restore, catalog: ResourceCatalog) {
    const spec = restore.spec;
    this.namespaces = new NamespaceFilter(spec.includedNamespaces, spec.excludedNamespaces);
    this.resources = new ResourceFilter(
      spec.includedResources,
      spec.excludedResources,
      catalog,
      NON_RESTORABLE_RESOURCES,
    );
    this.labels = new LabelFilter(restore);
    this.#includeClusterResources = spec.includeClusterResources;
  }

  /**
   * Whether cluster-scoped objects of this resource are restored: `includeClusterResources` true → yes,
   * false → no, unset → only when every namespace is restored (Velero's "auto"). Namespaces themselves are
   * decided by the namespace filter instead; CRDs named explicitly in includedResources always pass unless false.
   */
  /** True when `includeClusterResources` is unset (Velero's "auto"). */
  get clusterResourcesAuto(): boolean {
    return this.#includeClusterResources === null || this.#includeClusterResources === undefined;
  }

  clusterScopedAllowed(groupResource: string): boolean {
    if (this.#includeClusterResources === true) return true;
    if (this.#includeClusterResources === false) return false;
    return this.namespaces.all || this.resources.explicitlyIncluded(groupResource);
  }
}
