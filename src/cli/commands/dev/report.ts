import type { Comparison } from './compare.ts';
import type { DemoReport } from './demo.ts';

/**
 * The demo's closing report: each step with its duration, the backup, and per restore what matched (with
 * the first differences when something did not).
 */
export function formatReport(report: DemoReport): string {
  const lines: string[] = [];
  const total = report.steps.reduce((sum, s) => sum + s.ms, 0);
  lines.push(`Demo ${report.ok ? 'passed' : 'FAILED'} in ${seconds(total)}:`);
  const width = Math.max(...report.steps.map((s) => s.name.length));
  for (const step of report.steps)
    lines.push(`  ${step.name.padEnd(width)}  ${seconds(step.ms).padStart(6)}  ${step.detail}`);
  lines.push('');
  lines.push(
    `Backup ${report.backupName}: ${report.backup.phase}, ${report.backup.items} items, ` +
      `${report.backup.warnings} warnings, ${report.backup.errors} errors`,
  );
  for (const restore of report.restores) {
    const mapping = Object.entries(restore.mapping)
      .map(([from, to]) => `${from}→${to}`)
      .join(', ');
    lines.push(`Restore ${restore.name}: ${restore.phase}${mapping ? ` (namespaces ${mapping})` : ''}`);
    lines.push(...comparisonLines(restore.comparison).map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

/** `12/12 objects equal: 2 deployments.apps, 3 services, …` and then what went missing or differs. */
export function comparisonLines(comparison: Comparison, limit = 10): string[] {
  const kinds = Object.entries(comparison.byResource)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([resource, n]) => `${n} ${resource}`)
    .join(', ');
  const lines = [`${comparison.matched}/${comparison.expected} objects equal (${kinds})`];
  for (const m of comparison.missing.slice(0, limit)) lines.push(`missing: ${m.key}`);
  for (const d of comparison.differing.slice(0, limit))
    lines.push(`differs: ${d.key} at ${d.paths.join(', ')}`);
  const more = comparison.missing.length + comparison.differing.length - 2 * limit;
  if (more > 0) lines.push(`… and ${more} more`);
  return lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
