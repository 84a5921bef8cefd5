import type { PlanEntry, RestorePlan } from './types.ts';

/**
 * Prints a dry-run plan for people: a summary, then per namespace (cluster-scoped objects first) one line per
 * object with its verdict, and under updates and conflicts an excerpt of how the live object differs.
 */
export function formatPlan(
  plan: RestorePlan,
  options: { maxDiffLines?: number; showSkipped?: boolean } = {},
): string {
  const maxDiff = options.maxDiffLines ?? 5;
  const showSkipped = options.showSkipped ?? true;
  const s = plan.summary;
  const lines: string[] = [
    `Dry run of restore ${plan.restoreName} from backup ${plan.backupName} (existing objects: ${plan.existingResourcePolicy === 'update' ? 'update' : 'leave alone'})`,
    `  ${s.create} to create, ${s.update} to update, ${s.conflict} in conflict, ${s.skip} to skip` +
      (plan.excluded > 0 ? `, ${plan.excluded} left out by the filters` : ''),
  ];
  const groups = new Map<string, PlanEntry[]>();
  for (const entry of plan.entries) {
    const key = entry.namespace ?? '';
    let list = groups.get(key);
    if (!list) {
      list = [];
      groups.set(key, list);
    }
    list.push(entry);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  for (const key of keys) {
    const entries = (groups.get(key) ?? []).filter((e) => showSkipped || e.action !== 'skip');
    if (entries.length === 0) continue;
    lines.push('', key === '' ? 'Cluster-scoped:' : `Namespace ${key}:`);
    for (const e of entries) {
      const reason = e.reason ? `  (${e.reason})` : '';
      lines.push(`  ${SYMBOL[e.action]} ${e.action.padEnd(8)} ${e.gvk} ${e.name}${reason}`);
      const diff = e.diff ?? [];
      for (const d of diff.slice(0, maxDiff)) {
        if (d.change === 'added') lines.push(`        + ${d.path}: ${d.desired}`);
        else if (d.change === 'removed') lines.push(`        - ${d.path}: ${d.live}`);
        else lines.push(`        ~ ${d.path}: ${d.live} → ${d.desired}`);
      }
      const total = e.diffCount ?? diff.length;
      if (total > Math.min(diff.length, maxDiff))
        lines.push(`        … ${total - Math.min(diff.length, maxDiff)} more differences`);
    }
  }
  if (plan.warnings.length > 0) lines.push('', 'Warnings:', ...plan.warnings.map((w) => `  ${w}`));
  if (plan.errors.length > 0) lines.push('', 'Errors:', ...plan.errors.map((w) => `  ${w}`));
  return `${lines.join('\n')}\n`;
}

const SYMBOL = { create: '+', update: '~', skip: '=', conflict: '!' } as const;
