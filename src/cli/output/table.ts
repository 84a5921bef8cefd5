/** A column of a text table: its header, and whether cells line up on the right (numbers). */
export interface TableColumn {
  header: string;
  align?: 'left' | 'right';
}

export interface TableOptions {
  /** Printed under the closing rule (`3 snapshots`). */
  footer?: string;
  /** Indent every line by this many spaces. */
  indent?: number;
}

/**
 * Renders rows as restic prints its tables: a header, a rule of dashes, the rows, a closing rule and an
 * optional footer. Cells may hold several lines (a snapshot's paths); the row then spans several lines with
 * the other cells blank below their first line. Columns are two spaces apart; trailing blanks are trimmed.
 */
export function renderTable(
  columns: readonly TableColumn[],
  rows: readonly string[][],
  options: TableOptions = {},
): string {
  const split = rows.map((row) => columns.map((_, i) => String(row[i] ?? '').split('\n')));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...split.map((cells) => Math.max(...cells[i].map((line) => line.length)))),
  );
  const indent = ' '.repeat(options.indent ?? 0);
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = indent + '-'.repeat(widths.reduce((n, w) => n + w, 0) + 2 * (columns.length - 1));
  const out = [line(columns.map((c) => c.header)), rule];
  for (const cells of split) {
    const height = Math.max(...cells.map((c) => c.length));
    for (let l = 0; l < height; l++) out.push(line(cells.map((c) => c[l] ?? '')));
  }
  out.push(rule);
  if (options.footer !== undefined) out.push(indent + options.footer);
  return `${out.join('\n')}\n`;
}
