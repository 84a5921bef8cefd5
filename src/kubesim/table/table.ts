import {
  apiVersionOf,
  type KubeObject,
  type ResourceType,
  type TableConverter,
  type TableRowCondition,
} from '../registry/types.ts';
import { printerColumnsTable } from './printer-columns.ts';
import { CREATED_DESCRIPTION, NAME_DESCRIPTION } from './printers/columns.ts';

/**
 * `meta.k8s.io/v1 Table` responses (kube-api-surface §c.14): what `kubectl get` asks for with
 * `Accept: application/json;as=Table;…`. Built-in kinds use their printer, custom resources their CRD
 * version's printer columns, and any other kind the generic Name / Created At table, like the real server.
 */

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export type TableOptions = {
  /** What each row carries: nothing, PartialObjectMetadata (the default) or the whole object. */
  includeObject?: IncludeObject;
  /** The server's clock, for Age cells. */
  now: Date;
  /** The list's resourceVersion, or the object's for a single GET. */
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** Leave out the column definitions (watch events after the first may do so). */
  noHeaders?: boolean;
  /** The Table version the client asked for. */
  apiVersion?: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
};

export type TableColumnDefinition = {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
};

export type TableRow = {
  cells: unknown[];
  object?: Record<string, unknown>;
  conditions?: TableRowCondition[];
};

export type Table = {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
};

/** The real server's `DefaultTableConvertor`: Name and the creation time as an RFC 3339 date. */
export const defaultTable: TableConverter = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
    { name: 'Created At', type: 'date', description: CREATED_DESCRIPTION, priority: 0 },
  ],
  cells: (obj) => [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? '0001-01-01T00:00:00Z'],
};

const crdTables = new WeakMap<ResourceType, Map<string, TableConverter>>();

/** The converter `kubectl get` output of `type` at `version` comes from. */
export function tableConverterFor(type: ResourceType, version: string): TableConverter {
  if (type.crdName === undefined) return type.table ?? defaultTable;
  let byVersion = crdTables.get(type);
  if (!byVersion) {
    byVersion = new Map();
    crdTables.set(type, byVersion);
  }
  let converter = byVersion.get(version);
  if (!converter) {
    converter = printerColumnsTable(type.versions.find((v) => v.name === version)?.printerColumns);
    byVersion.set(version, converter);
  }
  return converter;
}

function rowObject(
  type: ResourceType,
  version: string,
  obj: KubeObject,
  include: IncludeObject,
  tableApiVersion: string,
): Record<string, unknown> | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') {
    const { apiVersion: _a, kind: _k, ...rest } = obj;
    return { apiVersion: apiVersionOf(type.group, version), kind: type.kind, ...rest };
  }
  return { kind: 'PartialObjectMetadata', apiVersion: tableApiVersion, metadata: obj.metadata };
}

/**
 * Renders objects of `type` (as read at `version`) as a Table. Every column is sent, priority 1 included;
 * kubectl shows those only with `-o wide`.
 */
export function toTable(
  type: ResourceType,
  version: string,
  objects: KubeObject[],
  options: TableOptions,
): Table {
  const converter = tableConverterFor(type, version);
  const include = options.includeObject ?? 'Metadata';
  const apiVersion = options.apiVersion ?? 'meta.k8s.io/v1';
  const metadata: Table['metadata'] = {};
  if (options.resourceVersion) metadata.resourceVersion = options.resourceVersion;
  if (options.continue) metadata.continue = options.continue;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;
  const rows = objects.map((obj) => {
    const row: TableRow = { cells: converter.cells(obj, options.now) };
    const object = rowObject(type, version, obj, include, apiVersion);
    if (object) row.object = object;
    const conditions = converter.conditions?.(obj);
    if (conditions && conditions.length > 0) row.conditions = conditions;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion,
    metadata,
    columnDefinitions: options.noHeaders
      ? []
      : converter.columns.map((c) => ({
          name: c.name,
          type: c.type,
          format: c.format ?? '',
          description: c.description ?? '',
          priority: c.priority,
        })),
    rows,
  };
}
