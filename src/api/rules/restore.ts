import { NON_RESTORABLE_RESOURCES, type Restore } from '../resources/restore.ts';
import type { FieldIssue } from '../validation/field-issue.ts';
import { checkIncludesExcludes, checkNamespaceFilters } from './filters.ts';
import { IssueList } from './issues.ts';
import { namespaceNameProblem } from './names.ts';

/**
 * Cross-field rules of a Restore that need no cluster access, after Velero's restore controller: one
 * source (backup or schedule), sound include/exclude lists, no non-restorable resources, valid namespace
 * mapping targets, one selector style, and hooks that say what to do.
 */
export function restoreRules(restore: Restore): FieldIssue[] {
  const out = new IssueList();
  const spec = restore.spec;
  const at = (...segments: (string | number)[]) => IssueList.path('spec', ...segments);

  const hasBackup = Boolean(spec.backupName);
  const hasSchedule = Boolean(spec.scheduleName);
  if (hasBackup && hasSchedule) {
    out.add(at('scheduleName'), 'cannot be set together with backupName: restore from one or the other');
  } else if (!hasBackup && !hasSchedule) {
    out.add(at('backupName'), 'is required (or set scheduleName to restore its latest completed backup)');
  }

  const nonRestorable = new Set<string>(NON_RESTORABLE_RESOURCES);
  (spec.includedResources ?? []).forEach((resource, i) => {
    if (nonRestorable.has(resource)) {
      out.add(at('includedResources', i), `${JSON.stringify(resource)} is never restored`);
    }
  });
  checkIncludesExcludes(
    {
      includes: spec.includedResources,
      excludes: spec.excludedResources,
      includesField: at('includedResources'),
      excludesField: at('excludedResources'),
    },
    out,
  );
  checkNamespaceFilters(
    {
      includes: spec.includedNamespaces,
      excludes: spec.excludedNamespaces,
      includesField: at('includedNamespaces'),
      excludesField: at('excludedNamespaces'),
    },
    out,
  );
  if (spec.restoreStatus) {
    checkIncludesExcludes(
      {
        includes: spec.restoreStatus.includedResources,
        excludes: spec.restoreStatus.excludedResources,
        includesField: at('restoreStatus', 'includedResources'),
        excludesField: at('restoreStatus', 'excludedResources'),
      },
      out,
    );
  }

  if (spec.labelSelector && spec.orLabelSelectors) {
    out.add(at('orLabelSelectors'), 'cannot be used together with labelSelector: set only one of them');
  }

  for (const [source, target] of Object.entries(spec.namespaceMapping ?? {})) {
    const problem = namespaceNameProblem(target);
    if (problem !== undefined) out.add(at('namespaceMapping', source), problem);
  }

  if (spec.resourceModifier && spec.resourceModifier.kind.toLowerCase() !== 'configmap') {
    out.add(
      at('resourceModifier', 'kind'),
      `must be "ConfigMap", the only kind that holds resource modifiers (got ${JSON.stringify(spec.resourceModifier.kind)})`,
    );
  }

  (spec.hooks?.resources ?? []).forEach((hookSpec, i) => {
    (hookSpec.postHooks ?? []).forEach((hook, j) => {
      if (!hook.exec && !hook.init) {
        out.add(at('hooks', 'resources', i, 'postHooks', j), 'must set exec or init');
      }
    });
  });

  return out.issues;
}
