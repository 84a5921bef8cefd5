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
  const groups = groupByNamespace(plan.entries);
  const keys = [...groups.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  for (const key of keys) {
    const entries = (groups.get(key) ?? []).filter((e) => showSkipped || e.action !== 'skip');
    if (entries.length === 0) continue;
    lines.push('', key === '' ? 'Cluster-scoped:' : `Namespace ${key}:`);
    for (const e of entries) lines.push(...entryLines(e, maxDiff));
  }
  if (plan.warnings.length > 0) lines.push('', 'Warnings:', ...plan.warnings.map((w) => `  ${w}`));
  if (plan.errors.length > 0) lines.push('', 'Errors:', ...plan.errors.map((w) => `  ${w}`));
  return `${lines.join('\n')}\n`;
}

function groupByNamespace(entries: readonly PlanEntry[]): Map<string, PlanEntry[]> {
  const groups = new Map<string, PlanEntry[]>();
  for (const entry of entries) {
    const key = entry.namespace ?? '';
    const list = groups.get(key) ?? [];
    list.push(entry);
    groups.set(key, list);
  }
  return groups;
}

function entryLines(e: PlanEntry, maxDiff: number): string[] {
  const reason = e.reason ? `  (${e.reason})` : '';
  const lines = [`  ${SYMBOL[e.action]} ${e.action.padEnd(8)} ${e.gvk} ${e.name}${reason}`];
  const diff = e.diff ?? [];
  const shown = diff.slice(0, maxDiff);
  for (const d of shown) {
    if (d.change === 'added') lines.push(`        + ${d.path}: ${d.desired}`);
    else if (d.change === 'removed') lines.push(`        - ${d.path}: ${d.live}`);
    else lines.push(`        ~ ${d.path}: ${d.live} → ${d.desired}`);
  }
  const total = e.diffCount ?? diff.length;
  if (total > shown.length) lines.push(`        … ${total - shown.length} more differences`);
  return lines;
}

const SYMBOL = { create: '+', update: '~', skip: '=', conflict: '!' } as const;
