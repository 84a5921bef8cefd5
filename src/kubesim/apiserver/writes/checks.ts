/**
 * The request checks that both creating and replacing an object make before admission and storage: a body
 * that is an object, kind and apiVersion matching the URL, metadata validation, and a custom resource checked
 * against its CRD schema under the request's field validation mode. Kept apart so the two paths cannot drift.
 */
import { apiVersionOf, type KubeObject, type ResourceType } from '../../registry/types.ts';
import { badRequest, invalid } from '../errors.ts';
import { checkCustomResource, validateMeta } from '../libs.ts';
import type { ResourceRef, WriteOptions } from '../types.ts';

/** 400 unless the body is a JSON object; gives it a metadata object when it has none. */
export function requireObject(obj: KubeObject): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw badRequest('the request body must be a JSON object');
  }
  if (obj.metadata === undefined || obj.metadata === null || typeof obj.metadata !== 'object')
    obj.metadata = {};
}

/** 400 when the body names another kind or API version than the URL; otherwise sets both from the URL. */
export function checkKind(ref: ResourceRef, obj: KubeObject): void {
  const { type } = ref;
  const apiVersion = apiVersionOf(type.group, ref.version);
  if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== type.kind) {
    throw badRequest(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${type.kind})`,
    );
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  obj.apiVersion = apiVersion;
  obj.kind = type.kind;
}

/** 422 when the object's metadata (against the stored `old` on a replacement) is invalid. */
export function validateObject(type: ResourceType, obj: KubeObject, old?: KubeObject): void {
  const causes = validateMeta(type, obj, old);
  if (causes.length > 0) throw invalid(type, obj.metadata.name ?? '', causes);
}

/**
 * A custom resource pruned, defaulted and validated against its version's schema: 422 for invalid values;
 * unknown fields are a 400 under Strict field validation and warnings under Warn. Returns the object to store.
 */
export function checkCustomResourceWrite(
  ref: ResourceRef,
  obj: KubeObject,
  options: WriteOptions,
): KubeObject {
  const version = ref.type.versions.find((v) => v.name === ref.version);
  const mode = options.fieldValidation ?? 'Ignore';
  const checked = checkCustomResource(obj, version?.schema, mode);
  if (checked.causes.length > 0) throw invalid(ref.type, obj.metadata.name ?? '', checked.causes);
  if (checked.unknownFields.length > 0) {
    if (mode === 'Strict') {
      const list = checked.unknownFields.map((f) => `unknown field "${f}"`);
      throw badRequest(
        `strict decoding error: ${list.join(', ')}`,
        checked.unknownFields.map((f) => ({
          reason: 'FieldValueInvalid',
          message: `unknown field "${f}"`,
          field: f,
        })),
      );
    }
    if (mode === 'Warn')
      for (const f of checked.unknownFields) options.warnings?.push(`unknown field "${f}"`);
  }
  return checked.object;
}
