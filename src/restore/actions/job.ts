import type { RestoreItemAction } from '../types.ts';

const CONTROLLER_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

/**
 * Jobs: finished jobs are not restored; the labels and selector the job controller generated from the old
 * uid are removed so the target's controller generates its own.
 */
export const jobAction: RestoreItemAction = {
  name: 'lifeboat.io/job',
  appliesTo: () => ({ includedResources: ['jobs.batch'] }),
  execute({ item, itemFromBackup }) {
    if ((itemFromBackup.status as { completionTime?: string } | undefined)?.completionTime)
      return { updatedItem: item, skipRestore: true, skipReason: 'job is complete' };
    const spec = (item.spec ?? {}) as {
      manualSelector?: boolean;
      selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
      template?: { metadata?: { labels?: Record<string, string> } };
    };
    // Without a manual selector the API server generates the selector from the new uid; a stale one is refused.
    if (spec.manualSelector !== true) delete spec.selector;
    else if (spec.selector?.matchLabels)
      for (const l of CONTROLLER_LABELS) delete spec.selector.matchLabels[l];
    const labels = spec.template?.metadata?.labels;
    if (labels) for (const l of CONTROLLER_LABELS) delete labels[l];
    return { updatedItem: item };
  },
};
