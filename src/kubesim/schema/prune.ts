import { child, index } from './field-errors.ts';
import {
  additionalProperties,
  isEmbeddedResource,
  isObject,
  items,
  preservesUnknownFields,
  property,
  type Schema,
} from './schema-access.ts';

/**
 * Structural pruning: drops (in place) every field the schema does not declare, unless a node says
 * `x-kubernetes-preserve-unknown-fields`. The object root and embedded resources keep `apiVersion`, `kind`
 * and `metadata`, whose unknown fields are dropped as the ObjectMeta coercion drops them. Returns the dropped
 * paths sorted (`spec.foo`, `spec.items[0].bar`), which `fieldValidation=Strict` turns into errors.
 */

const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

export function pruneUnknownFields(root: Record<string, unknown>, schema: Schema | undefined): string[] {
  const pruned: string[] = [];
  pruneObject(root, schema ?? {}, '', true, pruned);
  return pruned.sort();
}

function pruneValue(value: unknown, schema: Schema | undefined, path: string, pruned: string[]): void {
  if (isObject(value)) {
    if (!schema) {
      for (const key of Object.keys(value)) {
        pruned.push(child(path, key));
        delete value[key];
      }
      return;
    }
    pruneObject(value, schema, path, isEmbeddedResource(schema), pruned);
  } else if (Array.isArray(value)) {
    const itemSchema = schema ? items(schema) : undefined;
    if (schema && preservesUnknownFields(schema) && !itemSchema) return;
    value.forEach((item, i) => {
      pruneValue(item, itemSchema, index(path, i), pruned);
    });
  }
}

function pruneObject(
  obj: Record<string, unknown>,
  schema: Schema,
  path: string,
  embedded: boolean,
  pruned: string[],
): void {
  const preserve = preservesUnknownFields(schema);
  const additional = additionalProperties(schema);
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const keyPath = child(path, key);
    if (embedded && (key === 'apiVersion' || key === 'kind') && typeof value === 'string') continue;
    if (embedded && key === 'metadata' && isObject(value)) {
      pruneMetadata(value, keyPath, pruned);
      continue;
    }
    const declared = property(schema, key);
    if (declared) pruneValue(value, declared, keyPath, pruned);
    else if (additional === true) continue;
    else if (additional) pruneValue(value, additional, keyPath, pruned);
    else if (!preserve) {
      pruned.push(keyPath);
      delete obj[key];
    }
  }
}

function pruneMetadata(meta: Record<string, unknown>, path: string, pruned: string[]): void {
  for (const key of Object.keys(meta)) {
    if (OBJECT_META_FIELDS.has(key)) continue;
    pruned.push(child(path, key));
    delete meta[key];
  }
}
