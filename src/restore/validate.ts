import type { Restore } from '../api/resources/restore.ts';
import { restoreRules } from '../api/rules/restore.ts';
import { errorMessage } from '../core/errors.ts';
import { labelSelectorFromObject } from '../core/selectors/index.ts';
import type { ResourceCatalog } from '../kube/types.ts';

export interface RestoreValidationContext {
  catalog?: ResourceCatalog;
  /** Whether a backup of that name exists (in the cluster or the location); unchecked when absent. */
  backupExists?: (name: string) => boolean;
}

/**
 * Checks a Restore before it runs: the API's cross-field rules, label selectors that parse, and (when the
 * context can tell) a backup that exists. Each message names its field: `spec.backupName: ...`.
 */
export function validateRestore(restore: Restore, ctx: RestoreValidationContext = {}): string[] {
  const messages = restoreRules(restore).map((i) => `${i.field}: ${i.message}`);
  const spec = restore.spec;
  if (spec.labelSelector) {
    try {
      labelSelectorFromObject(spec.labelSelector);
    } catch (err) {
      messages.push(`spec.labelSelector: ${errorMessage(err)}`);
    }
  }
  (spec.orLabelSelectors ?? []).forEach((selector, i) => {
    try {
      labelSelectorFromObject(selector);
    } catch (err) {
      messages.push(`spec.orLabelSelectors[${i}]: ${errorMessage(err)}`);
    }
  });
  if (spec.backupName && ctx.backupExists && !ctx.backupExists(spec.backupName))
    messages.push(`spec.backupName: backup ${JSON.stringify(spec.backupName)} does not exist`);
  return messages;
}
