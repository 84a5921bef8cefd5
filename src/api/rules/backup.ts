import type { Backup, BackupSpec } from '../resources/backup.ts';
import type { FieldIssue } from '../validation/field-issue.ts';
import { checkIncludesExcludes, checkNamespaceFilters, checkScopedIncludesExcludes } from './filters.ts';
import { IssueList, isSet } from './issues.ts';

/**
 * Cross-field rules of a Backup spec (also a Schedule's template) that need no cluster access: the ones
 * Velero's backup controller turns into FailedValidation before it looks at the cluster. Checks that need
 * the cluster (unknown storage location, unknown resources) belong to the backup engine.
 */
export function backupRules(backup: Backup): FieldIssue[] {
  const out = new IssueList();
  checkBackupSpec(backup.spec, 'spec', out);
  return out.issues;
}

const OLD_FILTERS = ['includedResources', 'excludedResources', 'includeClusterResources'] as const;
const NEW_FILTERS = [
  'includedClusterScopedResources',
  'excludedClusterScopedResources',
  'includedNamespaceScopedResources',
  'excludedNamespaceScopedResources',
] as const;

/** Whether the spec uses the older resource filters (Velero's `UseOldResourceFilters`). */
export function usesOldResourceFilters(spec: BackupSpec): boolean {
  return (
    (spec.includeClusterResources !== null && spec.includeClusterResources !== undefined) ||
    isSet(spec.includedResources) ||
    isSet(spec.excludedResources)
  );
}

/** Whether the spec uses any of the scoped resource filters. */
export function usesScopedResourceFilters(spec: BackupSpec): boolean {
  return NEW_FILTERS.some((f) => isSet(spec[f]));
}

/** The rules for a backup spec found at `base` (`spec`, or `spec.template` in a Schedule). */
export function checkBackupSpec(spec: BackupSpec, base: string, out: IssueList): void {
  const at = (...segments: (string | number)[]) => IssueList.path(base, ...segments);

  if (spec.labelSelector && spec.orLabelSelectors) {
    out.add(at('orLabelSelectors'), 'cannot be used together with labelSelector: set only one of them');
  }

  const oldFilters = usesOldResourceFilters(spec);
  if (oldFilters && usesScopedResourceFilters(spec)) {
    const newOne = NEW_FILTERS.find((f) => isSet(spec[f]))!;
    out.add(
      at(newOne),
      `cannot be combined with ${OLD_FILTERS.join(', ')} (the older filters): use one style of resource filter`,
    );
  }
  if (oldFilters) {
    checkIncludesExcludes(
      {
        includes: spec.includedResources,
        excludes: spec.excludedResources,
        includesField: at('includedResources'),
        excludesField: at('excludedResources'),
      },
      out,
    );
  } else {
    checkScopedIncludesExcludes(
      {
        includes: spec.includedClusterScopedResources,
        excludes: spec.excludedClusterScopedResources,
        includesField: at('includedClusterScopedResources'),
        excludesField: at('excludedClusterScopedResources'),
      },
      out,
    );
    checkScopedIncludesExcludes(
      {
        includes: spec.includedNamespaceScopedResources,
        excludes: spec.excludedNamespaceScopedResources,
        includesField: at('includedNamespaceScopedResources'),
        excludesField: at('excludedNamespaceScopedResources'),
      },
      out,
    );
  }

  checkNamespaceFilters(
    {
      includes: spec.includedNamespaces,
      excludes: spec.excludedNamespaces,
      includesField: at('includedNamespaces'),
      excludesField: at('excludedNamespaces'),
    },
    out,
  );

  if (spec.resourcePolicy && spec.resourcePolicy.kind.toLowerCase() !== 'configmap') {
    out.add(
      at('resourcePolicy', 'kind'),
      `must be "configmap", the only kind that holds resource policies (got ${JSON.stringify(spec.resourcePolicy.kind)})`,
    );
  }

  (spec.hooks?.resources ?? []).forEach((hook, i) => {
    checkNamespaceFilters(
      {
        includes: hook.includedNamespaces,
        excludes: hook.excludedNamespaces,
        includesField: at('hooks', 'resources', i, 'includedNamespaces'),
        excludesField: at('hooks', 'resources', i, 'excludedNamespaces'),
      },
      out,
    );
  });

  checkLocationList(spec.copyTo, at('copyTo'), spec.storageLocation, out);
}

/**
 * A list of storage location names (`copyTo`): no repeats, and not the backup's own location, which
 * already holds it.
 */
export function checkLocationList(
  list: readonly string[] | undefined,
  field: string,
  ownLocation: string | undefined,
  out: IssueList,
): void {
  const seen = new Set<string>();
  (list ?? []).forEach((name, i) => {
    if (name === '') out.add(IssueList.path(field, i), 'must not be empty');
    else if (seen.has(name)) out.add(IssueList.path(field, i), `${JSON.stringify(name)} is listed twice`);
    else if (ownLocation && name === ownLocation) {
      out.add(
        IssueList.path(field, i),
        `${JSON.stringify(name)} is the backup's own storage location, which holds the original`,
      );
    }
    seen.add(name);
  });
}
