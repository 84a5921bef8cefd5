import type { KubeObject, ResourceVersionInfo, TableColumn, TableConverter } from '../registry/types.ts';
import { humanDuration, parseTimestamp } from './age.ts';
import { jsonPathValues } from './jsonpath.ts';
import { CREATED_DESCRIPTION, NAME_DESCRIPTION } from './printers/columns.ts';

/**
 * Tables built from CustomResourceDefinition `additionalPrinterColumns` (the apiextensions table
 * convertor): a Name column, then one column per printer column with its JSONPath evaluated against the
 * object. A CRD version without printer columns gets an Age column.
 */

export type PrinterColumn = NonNullable<ResourceVersionInfo['printerColumns']>[number];

/** What a CRD version without additionalPrinterColumns shows. */
export const DEFAULT_PRINTER_COLUMNS: PrinterColumn[] = [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: CREATED_DESCRIPTION },
];

const COLUMN_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'date']);

function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A `string` cell as JSONPath prints it: scalars as text, maps and lists as JSON (Go sorts map keys). */
function stringCell(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return sortedJson(value);
  return String(value);
}

/** `cellForJSONValue`: typed cells, `null` when the value does not fit the column type. */
function typedCell(type: string, value: unknown, now: Date): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      if (value === '' || value === 'null') return '<unknown>';
      const date = parseTimestamp(value);
      return date ? humanDuration(now.getTime() - date.getTime()) : '<invalid>';
    }
    default:
      return stringCell(value);
  }
}

/** The cell of one printer column for one object. */
export function printerColumnCell(column: PrinterColumn, obj: KubeObject, now: Date): unknown {
  let results: unknown[];
  try {
    results = jsonPathValues(column.jsonPath, obj);
  } catch {
    return null;
  }
  if (results.length === 0) return null;
  return typedCell(column.type, results[0], now);
}

/** A Table converter for a CRD version's printer columns (the default Age column when there are none). */
export function printerColumnsTable(columns: PrinterColumn[] | undefined): TableConverter {
  const cols = columns && columns.length > 0 ? columns : DEFAULT_PRINTER_COLUMNS;
  const definitions: TableColumn[] = [
    { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
    ...cols.map((c) => {
      const def: TableColumn = {
        name: c.name,
        type: (COLUMN_TYPES.has(c.type) ? c.type : 'string') as TableColumn['type'],
        description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      };
      if (c.format !== undefined) def.format = c.format;
      return def;
    }),
  ];
  return {
    columns: definitions,
    cells: (obj, now) => [obj.metadata.name ?? '', ...cols.map((c) => printerColumnCell(c, obj, now))],
  };
}
