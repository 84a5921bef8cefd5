import type { Backup } from '../api/resources/backup.ts';
import { errorMessage } from '../core/errors.ts';
import { labelSelectorFromObject } from '../core/selectors/index.ts';
import type { ResourceCatalog } from '../kube/types.ts';
import { filterStylesUsed, resolveResourceNames } from './resource-filter.ts';

/** What validation needs to know beyond the Backup itself. */
export interface BackupValidationContext {
  catalog: ResourceCatalog;
  /** Whether a BackupStorageLocation of that name exists. Only asked when `spec.storageLocation` is set. */
  locationExists: (name: string) => boolean;
}

/**
 * Checks a Backup's spec the way Velero's backup controller does before it starts. Returns one message per
 * problem, each starting with the offending field (`spec.includedNamespaces: …`); an empty list means valid.
 * Resolving the default storage location (when `spec.storageLocation` is empty) is the caller's business.
 * Unknown names in `excluded*Resources` are allowed (a template may exclude a type a cluster does not have).
 */
export function validateBackup(backup: Backup, ctx: BackupValidationContext): string[] {
  const spec = backup.spec ?? {};
  const errors: string[] = [];

  if (spec.storageLocation && !ctx.locationExists(spec.storageLocation))
    errors.push(
      `spec.storageLocation: backup storage location ${JSON.stringify(spec.storageLocation)} does not exist`,
    );

  checkIncludesExcludes(
    errors,
    'Namespaces',
    spec.includedNamespaces,
    spec.excludedNamespaces,
    'namespace',
    false,
  );

  const styles = filterStylesUsed(spec);
  if (styles.old.length > 0 && styles.new.length > 0)
    errors.push(
      `spec.${styles.new[0]}: the scoped resource filters (${styles.new.join(', ')}) cannot be combined ` +
        `with the old ones (${styles.old.join(', ')})`,
    );

  checkResourceNames(errors, 'includedResources', spec.includedResources, ctx.catalog);
  checkResourceNames(
    errors,
    'includedClusterScopedResources',
    spec.includedClusterScopedResources,
    ctx.catalog,
  );
  checkResourceNames(
    errors,
    'includedNamespaceScopedResources',
    spec.includedNamespaceScopedResources,
    ctx.catalog,
  );
  // Resources are compared as resolved (`po` and `pods` are the same resource).
  const resolved = (list: readonly string[] | null | undefined) => resolveResourceNames(list, ctx.catalog);
  for (const suffix of ['Resources', 'ClusterScopedResources', 'NamespaceScopedResources'] as const) {
    const includes = spec[`included${suffix}`];
    const excludes = spec[`excluded${suffix}`];
    const starExcludes = suffix !== 'Resources';
    checkIncludesExcludes(
      errors,
      suffix,
      resolved(includes),
      resolved(excludes),
      'resource',
      starExcludes,
      excludes,
    );
  }

  if (spec.labelSelector && (spec.orLabelSelectors?.length ?? 0) > 0)
    errors.push('spec.orLabelSelectors: cannot be combined with spec.labelSelector; use one or the other');
  if (spec.labelSelector) checkSelector(errors, 'spec.labelSelector', spec.labelSelector);
  for (const [i, selector] of (spec.orLabelSelectors ?? []).entries())
    checkSelector(errors, `spec.orLabelSelectors[${i}]`, selector);

  for (const [resource, names] of Object.entries(spec.orderedResources ?? {})) {
    if (!ctx.catalog.resolve(resource))
      errors.push(
        `spec.orderedResources.${resource}: resource ${JSON.stringify(resource)} is not known to the cluster`,
      );
    if (names.split(',').some((n) => n.trim() === ''))
      errors.push(`spec.orderedResources.${resource}: empty name in ${JSON.stringify(names)}`);
  }
  return errors;
}

function checkResourceNames(
  errors: string[],
  field: string,
  names: readonly string[] | null | undefined,
  catalog: ResourceCatalog,
): void {
  resolveResourceNames(names, catalog, (i, name) =>
    errors.push(`spec.${field}[${i}]: resource ${JSON.stringify(name)} is not known to the cluster`),
  );
}

/**
 * Velero's include/exclude rules: nothing in both lists; `*` only in includes unless `starExcludes`.
 * `written` is the exclude list as the user wrote it, for the messages.
 */
function checkIncludesExcludes(
  errors: string[],
  suffix: string,
  includes: readonly string[] | null | undefined,
  excludes: readonly string[] | null | undefined,
  what: string,
  starExcludes: boolean,
  written: readonly string[] | null | undefined = excludes,
): void {
  const inc = includes ?? [];
  const exc = excludes ?? [];
  for (const [i, name] of exc.entries()) {
    if (name === '*' && !starExcludes)
      errors.push(`spec.excluded${suffix}[${i}]: "*" is not allowed in excludes`);
    if (name !== '*' && inc.includes(name))
      errors.push(
        `spec.excluded${suffix}[${i}]: ${what} ${JSON.stringify(written?.[i] ?? name)} is both included and excluded`,
      );
    if (name.trim() === '') errors.push(`spec.excluded${suffix}[${i}]: empty ${what} name`);
  }
  for (const [i, name] of inc.entries())
    if (name.trim() === '') errors.push(`spec.included${suffix}[${i}]: empty ${what} name`);
}

function checkSelector(errors: string[], field: string, selector: unknown): void {
  try {
    labelSelectorFromObject(selector as Parameters<typeof labelSelectorFromObject>[0]);
  } catch (err) {
    errors.push(`${field}: ${errorMessage(err)}`);
  }
}
