import { dedupe, type FieldCause, forbidden, invalid, required, tooLong } from './field-errors.ts';
import {
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isPathSegmentName,
  isQualifiedName,
  isValidLabelValue,
} from './names.ts';
import { groupResource, type KubeObject, type ObjectMeta, type ResourceType } from './types.ts';

/**
 * ObjectMeta validation as the real API server runs it on every create and update (apimachinery's
 * `ValidateObjectMeta` / `ValidateObjectMetaUpdate` plus core's finalizer rule): the name by the kind's
 * name rule, namespace presence, labels, annotations (keys and 256 KiB total), owner references and
 * finalizers. Returns the 422 causes, empty when the metadata is valid.
 */

export type { FieldCause } from './field-errors.ts';

export type MetaValidationOptions = {
  operation: 'create' | 'update';
  /** The stored object, for updates: immutable fields and finalizers added during deletion. */
  old?: KubeObject;
};

type NameRule = (name: string, prefix: boolean) => string[];

/** `maskTrailingDash`: a generateName prefix may end in '-'. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

const subdomain: NameRule = (name, prefix) => isDns1123Subdomain(prefix ? maskTrailingDash(name) : name);
const label: NameRule = (name, prefix) => isDns1123Label(prefix ? maskTrailingDash(name) : name);
const dns1035: NameRule = (name, prefix) => isDns1035Label(prefix ? maskTrailingDash(name) : name);
const pathSegment: NameRule = (name) => isPathSegmentName(name);
const cronJob: NameRule = (name, prefix) => {
  const errs = subdomain(name, prefix);
  // Job names get an 11-character suffix and must still fit a DNS-1035 label.
  if (name.length > 52) errs.push('must be no more than 52 characters');
  return errs;
};

/** Kinds whose names follow a rule other than "DNS-1123 subdomain". */
const NAME_RULES: Readonly<Record<string, NameRule>> = {
  namespaces: label,
  services: dns1035,
  persistentvolumes: pathSegment,
  'statefulsets.apps': label,
  'cronjobs.batch': cronJob,
  'roles.rbac.authorization.k8s.io': pathSegment,
  'rolebindings.rbac.authorization.k8s.io': pathSegment,
  'clusterroles.rbac.authorization.k8s.io': pathSegment,
  'clusterrolebindings.rbac.authorization.k8s.io': pathSegment,
};

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function validateName(type: ResourceType, meta: ObjectMeta): FieldCause[] {
  const rule = type.crdName === undefined ? (NAME_RULES[groupResource(type)] ?? subdomain) : subdomain;
  const causes: FieldCause[] = [];
  const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (generateName !== '') {
    for (const msg of rule(generateName, true))
      causes.push(invalid('metadata.generateName', generateName, msg));
  }
  if (name === '') {
    // The server generates the name from generateName before validating; a caller that validates first
    // must not get a "required" error for a name that is about to exist.
    if (generateName === '') causes.push(required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of rule(name, false)) causes.push(invalid('metadata.name', name, msg));
  }
  return causes;
}

function validateNamespace(type: ResourceType, meta: ObjectMeta): FieldCause[] {
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  if (!type.namespaced) {
    return namespace === '' ? [] : [forbidden('metadata.namespace', 'not allowed on this type')];
  }
  if (namespace === '') return [required('metadata.namespace')];
  return isDns1123Label(namespace).map((msg) => invalid('metadata.namespace', namespace, msg));
}

function validateLabels(labels: unknown): FieldCause[] {
  if (labels === undefined || labels === null) return [];
  const causes: FieldCause[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const msg of isQualifiedName(k)) causes.push(invalid('metadata.labels', k, msg));
    const value = typeof v === 'string' ? v : String(v);
    for (const msg of isValidLabelValue(value)) causes.push(invalid('metadata.labels', value, msg));
  }
  return causes;
}

function validateAnnotations(annotations: unknown): FieldCause[] {
  if (annotations === undefined || annotations === null) return [];
  const causes: FieldCause[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    // Annotation keys are qualified names except that case does not matter.
    for (const msg of isQualifiedName(k.toLowerCase())) causes.push(invalid('metadata.annotations', k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT)
    causes.push(tooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

function validateOwnerReferences(refs: unknown): FieldCause[] {
  if (!Array.isArray(refs)) return [];
  const causes: FieldCause[] = [];
  const field = 'metadata.ownerReferences';
  let controller: string | undefined;
  for (const raw of refs) {
    const ref = (raw ?? {}) as Record<string, unknown>;
    const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (version === '') causes.push(invalid(`${field}.apiVersion`, apiVersion, 'version must not be empty'));
    for (const key of ['kind', 'name', 'uid'] as const) {
      const value = typeof ref[key] === 'string' ? ref[key] : '';
      if (value === '') causes.push(invalid(`${field}.${key}`, value, 'must not be empty'));
    }
    if (ref.controller === true) {
      const current = `${String(ref.kind ?? '')}/${String(ref.name ?? '')}`;
      if (controller !== undefined) {
        causes.push(
          invalid(
            field,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${controller} and ${current}`,
          ),
        );
      } else controller = current;
    }
  }
  return causes;
}

function validateFinalizers(type: ResourceType, finalizers: unknown): FieldCause[] {
  if (!Array.isArray(finalizers)) return [];
  const causes: FieldCause[] = [];
  const names = finalizers.map(String);
  for (const f of names) {
    for (const msg of isQualifiedName(f)) causes.push(invalid('metadata.finalizers', f, msg));
  }
  if (names.includes('orphan') && names.includes('foregroundDeletion')) {
    causes.push(
      invalid('metadata.finalizers', names, 'finalizer orphan and foregroundDeletion cannot be both set'),
    );
  }
  // Built-in kinds also require unqualified finalizers to be one of the standard ones.
  if (type.crdName === undefined) {
    for (const [i, f] of names.entries()) {
      if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
        causes.push(
          invalid(
            `metadata.finalizers[${i}]`,
            f,
            'name is neither a standard finalizer name nor is it fully qualified',
          ),
        );
      }
    }
  }
  return causes;
}

function validateUpdate(type: ResourceType, meta: ObjectMeta, old: ObjectMeta): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const key of ['name', 'namespace', 'uid'] as const) {
    const now = meta[key] ?? '';
    const before = old[key] ?? '';
    if (now !== before && now !== '') causes.push(invalid(`metadata.${key}`, now, 'field is immutable'));
  }
  if (!type.allowUnconditionalUpdate && (meta.resourceVersion ?? '') === '') {
    causes.push({
      field: 'metadata.resourceVersion',
      message: 'Invalid value: 0x0: must be specified for an update',
      reason: 'FieldValueInvalid',
    });
  }
  if (
    typeof meta.generation === 'number' &&
    typeof old.generation === 'number' &&
    meta.generation < old.generation
  ) {
    causes.push(invalid('metadata.generation', meta.generation, 'must not be decremented'));
  }
  if (old.deletionTimestamp !== undefined) {
    const before = new Set(old.finalizers ?? []);
    const added = [...new Set(meta.finalizers ?? [])].filter((f) => !before.has(f)).sort();
    if (added.length > 0) {
      causes.push(
        forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added
            .map((f) => JSON.stringify(f))
            .join(', ')}}`,
        ),
      );
    }
  }
  return causes;
}

/**
 * Validates `obj.metadata` for an object of `type`. Call it after the namespace from the URL (and, on
 * update, the server-owned fields of the stored object) have been filled in; a name still to be generated
 * from `generateName` is accepted. Returns the causes for `invalid(type, name, causes)`.
 */
export function validateObjectMeta(
  type: ResourceType,
  obj: KubeObject,
  options: MetaValidationOptions,
): FieldCause[] {
  const meta = (obj.metadata ?? {}) as ObjectMeta;
  const causes: FieldCause[] = [];
  if (options.operation === 'update' && options.old) {
    causes.push(...validateUpdate(type, meta, options.old.metadata ?? {}));
  } else {
    causes.push(...validateName(type, meta));
    causes.push(...validateNamespace(type, meta));
    if (typeof meta.generation === 'number' && meta.generation < 0) {
      causes.push(invalid('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
    }
  }
  causes.push(...validateLabels(meta.labels));
  causes.push(...validateAnnotations(meta.annotations));
  causes.push(...validateOwnerReferences(meta.ownerReferences));
  causes.push(...validateFinalizers(type, meta.finalizers));
  return dedupe(causes);
}
