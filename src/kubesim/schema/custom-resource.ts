import type { KubeObject } from '../registry/types.ts';
import { applyDefaults } from './defaults.ts';
import type { FieldCause } from './field-errors.ts';
import { pruneUnknownFields } from './prune.ts';
import type { Schema } from './schema-access.ts';
import { validateValue } from './value-validation.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export type CustomResourceCheck = {
  /** A pruned, defaulted copy of the object (the input is not modified). */
  object: KubeObject;
  /** Validation failures; non-empty means 422 Invalid (`invalid(type, name, causes)`). */
  causes: FieldCause[];
  /**
   * Paths of fields the schema does not declare, which were pruned: with `Strict` the caller answers 400
   * `strict decoding error: unknown field "spec.foo"`, with `Warn` it sends them as warnings. Empty with `Ignore`.
   */
  unknownFields: string[];
};

/**
 * What the API server does to a custom resource on write, in order: prune unknown fields, drop non-nullable
 * nulls, apply defaults, validate against the version's structural `openAPIV3Schema`. Without a schema the object
 * is accepted as is. Reads should call it too (or `defaultCustomResource`) so that defaults added to a CRD after
 * an object was stored appear, as on the real server.
 */
export function validateCustomResource(
  obj: KubeObject,
  schema: Schema | undefined,
  options: { fieldValidation?: FieldValidation } = {},
): CustomResourceCheck {
  const object = JSON.parse(JSON.stringify(obj)) as KubeObject;
  if (!schema) return { object, causes: [], unknownFields: [] };
  const pruned = pruneUnknownFields(object, schema);
  applyDefaults(object, schema);
  const causes: FieldCause[] = [];
  validateValue(object, schema, '', causes, true);
  return { object, causes, unknownFields: options.fieldValidation === 'Ignore' ? [] : pruned };
}

/** Read-time defaulting only (pruning and validation happened on write); returns a defaulted copy. */
export function defaultCustomResource(obj: KubeObject, schema: Schema | undefined): KubeObject {
  const object = JSON.parse(JSON.stringify(obj)) as KubeObject;
  if (schema) applyDefaults(object, schema);
  return object;
}

/** The 400 message the real server gives for unknown fields under `fieldValidation=Strict`. */
export function strictDecodingMessage(unknownFields: readonly string[]): string {
  return `strict decoding error: ${unknownFields.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`;
}
