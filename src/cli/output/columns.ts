import type { TableColumn } from './table.ts';

/**
 * Rows in kubectl's plain style: an upper-case header line and the rows, columns three spaces apart, no
 * rules (the resource commands print this way; `repo` keeps restic's ruled tables).
 */
export function renderColumns(columns: readonly TableColumn[], rows: readonly string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...rows.map((r) => line(columns.map((_, i) => r[i] ?? '')))].join('\n')}\n`;
}
