import { LifeboatError } from '../../core/errors.ts';
import { API_VERSION, VELERO_API_VERSIONS } from '../group.ts';
import { isResourceKind, type ResourceKind, type ResourceTypes, resourceDefinitions } from '../kinds.ts';
import { metadataRules } from '../rules/metadata.ts';
import type { FieldIssue } from './field-issue.ts';
import { describeValue } from './messages.ts';
import {
  formatIssues,
  type ValidationOptions,
  type ValidationResult,
  validateDocument,
} from './validate-document.ts';

/**
 * Checks `object` as a `kind` resource: its shape (types, required fields, enums, durations, times, label
 * selectors), unknown fields, metadata, and the kind's cross-field rules. On success `value` is the parsed
 * object with defaults applied, unknown fields removed and non-nullable nulls dropped — what the API server
 * would store. On failure `issues` lists every problem found, each naming its field
 * (`spec.includedNamespaces[1]`). Cross-field rules run only once the shape is right. Never throws.
 */
export function validateResource<K extends ResourceKind>(
  kind: K,
  object: unknown,
  options: ValidationOptions = {},
): ValidationResult<ResourceTypes[K]> {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    return {
      ok: false,
      issues: [{ field: '', message: `must be a ${kind} object (got ${describeValue(object)})` }],
    };
  }
  const header = headerIssues(kind, object as Record<string, unknown>);
  // A wrong apiVersion or kind is reported once, in words, rather than again as a literal mismatch.
  const body = header.length === 0 ? object : { ...object, apiVersion: undefined, kind: undefined };
  const definition = resourceDefinitions[kind];
  const rules = definition.rules as ((value: ResourceTypes[K]) => FieldIssue[]) | undefined;
  return validateDocument(definition.schema as never, body, {
    ...options,
    prefix: header,
    rules: (value: ResourceTypes[K]) => [...metadataRules(value.metadata), ...(rules?.(value) ?? [])],
  }) as ValidationResult<ResourceTypes[K]>;
}

/**
 * Like {@link validateResource}, but returns the parsed object or throws `LifeboatError('Invalid')` whose
 * message lists every issue and whose `field` is the first one's.
 */
export function parseResource<K extends ResourceKind>(
  kind: K,
  object: unknown,
  options: ValidationOptions = {},
): ResourceTypes[K] {
  const result = validateResource(kind, object, options);
  if (result.ok) return result.value;
  throw new LifeboatError('Invalid', `invalid ${kind}: ${formatIssues(result.issues)}`, {
    field: result.issues[0]?.field,
  });
}

/**
 * Validates an object of whichever Lifeboat kind its `kind` field names; an object that is not one of them
 * is an issue on `kind`.
 */
export function validateAnyResource(
  object: unknown,
  options: ValidationOptions = {},
): ValidationResult<ResourceTypes[ResourceKind]> {
  const kind = (object as { kind?: unknown } | null)?.kind;
  if (!isResourceKind(kind)) {
    return {
      ok: false,
      issues: [
        { field: 'kind', message: `must be one of the lifeboat.io kinds (got ${describeValue(kind)})` },
      ],
    };
  }
  return validateResource(kind, object, options);
}

/** apiVersion and kind, with a pointed message for Velero manifests that still say velero.io. */
function headerIssues(kind: ResourceKind, object: Record<string, unknown>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const apiVersion = object.apiVersion;
  if (apiVersion !== undefined && apiVersion !== API_VERSION) {
    const fromVelero = (VELERO_API_VERSIONS as readonly unknown[]).includes(apiVersion);
    issues.push({
      field: 'apiVersion',
      message: fromVelero
        ? `must be ${API_VERSION}: this is a Velero manifest (${String(apiVersion)}); change its apiVersion to ${API_VERSION}`
        : `must be ${API_VERSION} (got ${describeValue(apiVersion)})`,
    });
  }
  if (object.kind !== undefined && object.kind !== kind) {
    issues.push({ field: 'kind', message: `must be ${kind} (got ${describeValue(object.kind)})` });
  }
  return issues;
}
