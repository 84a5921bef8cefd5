import { applyJsonPatch } from '../patch/json-patch.ts';
import { applyMergePatch } from '../patch/merge-patch.ts';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.ts';
import type { KubeObject, ResourceType } from '../registry/types.ts';
import { fieldsOf, matchesFieldSelector, parseFieldSelector } from '../selectors/field-selector.ts';
import { compileLabelSelectorParam } from '../selectors/label-selector.ts';
import { unsupportedMediaType } from './errors.ts';
import type { ApiError } from './types.ts';

/**
 * The one place the API server calls kubesim's pure libraries (selectors, patches, schema validation,
 * protobuf). Each function here has the contract the server needs; the bodies adapt to the libraries.
 */

export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

/** Compiles a label selector; 400 BadRequest with the parser's message when it does not parse. */
export function compileLabelSelector(text: string): LabelMatcher {
  return compileLabelSelectorParam(text);
}

export type FieldMatcher = {
  /** The field paths the selector reads. */
  fields: string[];
  matches(get: (field: string) => string | undefined): boolean;
};

/** Compiles a field selector; 400 BadRequest when it does not parse. Unsupported fields are the caller's check. */
export function compileFieldSelector(text: string): FieldMatcher {
  const selector = parseFieldSelector(text);
  return { fields: fieldsOf(selector), matches: (get) => matchesFieldSelector(selector, get) };
}

/** RFC 6902 on a copy. A malformed patch is 400; a failed `test` or a missing path is 422, as on the real server. */
export function jsonPatch(obj: KubeObject, operations: unknown): KubeObject {
  return applyJsonPatch(obj, operations);
}

/** RFC 7386 on a copy: objects merge, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  return applyMergePatch(target, patch);
}

/** Strategic merge patch with the built-in kind's merge keys; 415 for types that do not take it (custom resources). */
export function strategicMergePatch(obj: KubeObject, patch: unknown, type: ResourceType): KubeObject {
  if (!type.strategicMerge) throw smpUnsupported(type);
  return applyStrategicMergePatch(obj, patch, type.kind);
}

export function smpUnsupported(_type: ResourceType): ApiError {
  return unsupportedMediaType('application/strategic-merge-patch+json', [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
  ]);
}

/** Server-side apply of `applied` (by `manager`) onto `live` (undefined when creating). */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  _options: { manager: string; force: boolean; type: ResourceType; now: Date },
): KubeObject {
  return (live ? mergePatch(live, applied) : structuredClone(applied)) as KubeObject;
}

/** Refreshes the `Update` managedFields entry of `manager` after a non-apply write. */
export function recordUpdate(
  _before: KubeObject | undefined,
  after: KubeObject,
  _options: { manager: string; now: Date; subresource?: string },
): KubeObject {
  return after;
}

export type CustomResourceCheck = {
  object: KubeObject;
  causes: { field: string; message: string; reason?: string }[];
  unknownFields: string[];
};

/** Validates, prunes and defaults a custom resource against its version's structural schema. */
export function checkCustomResource(
  obj: KubeObject,
  _schema: Record<string, unknown> | undefined,
  _fieldValidation: 'Strict' | 'Warn' | 'Ignore',
): CustomResourceCheck {
  return { object: obj, causes: [], unknownFields: [] };
}

/** Decodes a `k8s\0`-enveloped protobuf body to its JSON object form. */
export function decodeProtobuf(_body: Buffer): KubeObject {
  throw unsupportedMediaType('application/vnd.kubernetes.protobuf', ['application/json', 'application/yaml']);
}

// ---- registry helpers (validation, defaults, CRD translation) ----

export type FieldCause = { field: string; message: string; reason?: string };

/** Name, label and annotation validation for any object of `type`. */
export function validateMeta(type: ResourceType, obj: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = obj.metadata.name ?? '';
  const dnsLabel = type.group === '' && (type.resource === 'namespaces' || type.resource === 'services');
  const re = dnsLabel ? /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ : /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  if (!re.test(name) || name.length > (dnsLabel ? 63 : 253)) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 ${dnsLabel ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
  return causes;
}

export function createDefaults(_type: ResourceType, _obj: KubeObject): void {}

export function crdCauses(_crd: KubeObject): FieldCause[] {
  return [];
}

export function crdStatusFor(crd: KubeObject, now: Date): Record<string, unknown> {
  const spec = crd.spec as { names: Record<string, unknown>; versions: { name: string; storage: boolean }[] };
  const t = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    acceptedNames: {
      ...spec.names,
      singular: spec.names.singular ?? String(spec.names.kind).toLowerCase(),
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
    },
    storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: t,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: t,
      },
    ],
  };
}

export function typesFromCrd(crd: KubeObject): ResourceType[] {
  type V = {
    name: string;
    served: boolean;
    storage: boolean;
    schema?: { openAPIV3Schema?: Record<string, unknown> };
    subresources?: {
      status?: object;
      scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
    };
    additionalPrinterColumns?: ResourceType['versions'][number]['printerColumns'];
  };
  const spec = crd.spec as {
    group: string;
    scope: string;
    names: {
      plural: string;
      singular?: string;
      kind: string;
      listKind?: string;
      shortNames?: string[];
      categories?: string[];
    };
    versions: V[];
  };
  const first = spec.versions.find((v) => v.served) ?? spec.versions[0];
  return [
    {
      group: spec.group,
      versions: spec.versions.map((v) => ({
        name: v.name,
        served: v.served,
        storage: v.storage,
        schema: v.schema?.openAPIV3Schema,
        printerColumns: v.additionalPrinterColumns,
      })),
      resource: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      namespaced: spec.scope === 'Namespaced',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
      subresources: {
        status: first.subresources?.status !== undefined,
        scale: first.subresources?.scale,
      },
      tracksGeneration: true,
      allowUnconditionalUpdate: false,
      strategicMerge: false,
      crdName: crd.metadata.name,
    },
  ];
}
