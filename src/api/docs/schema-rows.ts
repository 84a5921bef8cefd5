import type { JsonSchema } from '../crd/openapi.ts';

/**
 * Flattens a resource's JSON schema (zod's output, with the `x-lifeboat-*` annotations still in it) into
 * table rows for the API reference: one row per field, nested fields as dotted paths (`hooks.resources[].pre`),
 * shared types (LabelSelector, SecretKeySelector, …) shown by name rather than expanded.
 */
export type FieldRow = {
  field: string;
  type: string;
  required: boolean;
  description: string;
  /** A field Lifeboat adds to Velero's resource. */
  added: boolean;
};

const NAMED_TYPES: Record<string, string> = {
  time: 'time (RFC 3339)',
  duration: 'duration (Go syntax, e.g. 720h0m0s)',
  BackupSpec: 'BackupSpec (as [Backup spec](#backup-spec))',
  ...Object.fromEntries(
    ['LabelSelector', 'SecretKeySelector', 'TypedLocalObjectReference', 'ObjectReference', 'Condition'].map(
      (name) => [name, `[${name}](#${name.toLowerCase()})`],
    ),
  ),
};

export function fieldRows(schema: JsonSchema, prefix = ''): FieldRow[] {
  const rows: FieldRow[] = [];
  collect(schema, prefix, rows, false);
  return rows;
}

function collect(node: JsonSchema, path: string, rows: FieldRow[], inheritedAdded: boolean): void {
  const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((node.required ?? []) as string[]);
  for (const [name, sub] of Object.entries(properties)) {
    const field = path === '' ? name : `${path}.${name}`;
    const added = inheritedAdded || sub['x-lifeboat-added'] === true;
    rows.push({
      field,
      type: typeName(sub),
      required: required.has(name),
      description: typeof sub.description === 'string' ? sub.description : '',
      added,
    });
    const inner = expandable(sub);
    if (inner) collect(inner.schema, `${field}${inner.suffix}`, rows, added);
  }
}

/** The object whose fields deserve their own rows: a plain nested object, or the items of a list of them. */
function expandable(node: JsonSchema): { schema: JsonSchema; suffix: string } | undefined {
  if (node['x-lifeboat-type'] !== undefined) return undefined;
  if (node.type === 'object' && node.properties) return { schema: node, suffix: '' };
  const items = node.items as JsonSchema | undefined;
  if (node.type === 'array' && items && items['x-lifeboat-type'] === undefined && items.properties) {
    return { schema: items, suffix: '[]' };
  }
  return undefined;
}

/** A short human name for a schema's type. */
export function typeName(node: JsonSchema): string {
  const named = node['x-lifeboat-type'];
  if (typeof named === 'string') return NAMED_TYPES[named] ?? named;
  const withDefault = (text: string) =>
    node.default !== undefined && !isEmptyObject(node.default)
      ? `${text}, default ${JSON.stringify(node.default)}`
      : text;
  if (Array.isArray(node.enum))
    return withDefault(`one of ${node.enum.map((v) => (v === '' ? '""' : String(v))).join(', ')}`);
  switch (node.type) {
    case 'array': {
      const items = (node.items ?? {}) as JsonSchema;
      if (Array.isArray(items.enum)) return `list, each ${typeName(items)}`;
      return `list of ${plural(typeName(items))}`;
    }
    case 'object': {
      const values = node.additionalProperties;
      if (values && typeof values === 'object' && !node.properties) {
        const valueType = isEmptyObject(values) ? 'any value' : typeName(values as JsonSchema);
        return `map of string to ${valueType}`;
      }
      return 'object';
    }
    case 'integer':
      return withDefault(node.format === 'int64' ? 'integer (64-bit)' : 'integer');
    case 'string':
      if (node.format === 'uri') return 'string (URL)';
      if (node.format === 'base64') return 'string (base64)';
      return withDefault('string');
    case undefined:
      return 'any';
    default:
      return withDefault(String(node.type));
  }
}

function plural(name: string): string {
  if (name === 'object') return 'objects';
  if (name === 'string') return 'strings';
  return name;
}

function isEmptyObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}
