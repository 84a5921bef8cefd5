import { jsonPathValues } from '../table/jsonpath.ts';
import { CUSTOM_RESOURCE_VERBS } from './builtin/define.ts';
import { dedupe, type FieldCause, forbidden, invalid, notSupported, required } from './field-errors.ts';
import { isDns1035Label, isDns1123Subdomain } from './names.ts';
import { compareVersions } from './ordering.ts';
import type {
  FieldExtractors,
  KubeObject,
  ResourceType,
  ResourceVersionInfo,
  ScaleSubresource,
} from './types.ts';

/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1, kube-api-surface §c.15): static validation with the
 * real messages, the resource type a CRD defines, and the status the naming and establishing controllers
 * write (accepted names, stored versions, NamesAccepted and Established).
 */

export type CrdNames = {
  plural?: string;
  singular?: string;
  kind?: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
};

export type CrdVersion = {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
  subresources?: { status?: Record<string, unknown>; scale?: Partial<ScaleSubresource> };
  additionalPrinterColumns?: NonNullable<ResourceVersionInfo['printerColumns']>;
  selectableFields?: { jsonPath?: string }[];
};

export type CrdCondition = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
};

export type CrdStatus = {
  conditions: CrdCondition[];
  acceptedNames: CrdNames;
  storedVersions: string[];
};

type CrdSpec = {
  group?: string;
  names?: CrdNames;
  scope?: string;
  versions?: CrdVersion[];
  conversion?: { strategy?: string; webhook?: unknown };
};

function specOf(crd: KubeObject): CrdSpec {
  return (crd.spec ?? {}) as CrdSpec;
}

/** spec.names with the server's defaults: singular is the lower-cased kind, listKind `<Kind>List`. */
export function defaultedNames(names: CrdNames | undefined): CrdNames {
  const n = { ...(names ?? {}) };
  const kind = n.kind ?? '';
  if (!n.singular) n.singular = kind.toLowerCase();
  if (!n.listKind && kind !== '') n.listKind = `${kind}List`;
  return n;
}

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];

function validateSimpleJsonPath(field: string, path: string): FieldCause[] {
  if (path === '') return [invalid(field, path, 'must not be empty')];
  if (!path.startsWith('.')) return [invalid(field, path, 'must be a simple json path starting with .')];
  return [];
}

function validateScale(field: string, scale: Partial<ScaleSubresource>): FieldCause[] {
  const causes: FieldCause[] = [];
  const check = (key: keyof ScaleSubresource, prefixes: string[], detail: string): void => {
    const path = scale[key];
    if (path === undefined || path === '') {
      if (key !== 'labelSelectorPath') causes.push(required(`${field}.scale.${key}`));
      return;
    }
    const syntax = validateSimpleJsonPath(`${field}.scale.${key}`, path);
    if (syntax.length > 0) causes.push(...syntax);
    else if (!prefixes.some((p) => path.startsWith(p)))
      causes.push(invalid(`${field}.scale.${key}`, path, detail));
  };
  check('specReplicasPath', ['.spec.'], 'should be a json path under .spec');
  check('statusReplicasPath', ['.status.'], 'should be a json path under .status');
  check('labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status');
  return causes;
}

function validateColumns(field: string, columns: CrdVersion['additionalPrinterColumns']): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const [i, col] of (columns ?? []).entries()) {
    const f = `${field}.additionalPrinterColumns[${i}]`;
    if (!col.name) causes.push(required(`${f}.name`));
    if (!col.type) causes.push(required(`${f}.type`, `must be one of ${COLUMN_TYPES.join(',')}`));
    else if (!COLUMN_TYPES.includes(col.type)) {
      causes.push(invalid(`${f}.type`, col.type, `must be one of ${COLUMN_TYPES.join(',')}`));
    }
    if (col.format && !COLUMN_FORMATS.includes(col.format)) {
      causes.push(invalid(`${f}.format`, col.format, `must be one of ${COLUMN_FORMATS.join(',')}`));
    }
    if (!col.jsonPath) causes.push(required(`${f}.JSONPath`));
    else causes.push(...validateSimpleJsonPath(`${f}.JSONPath`, col.jsonPath));
  }
  return causes;
}

function validateVersions(versions: CrdVersion[]): FieldCause[] {
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  let unique = true;
  for (const [i, v] of versions.entries()) {
    const f = `spec.versions[${i}]`;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const nameErrors = isDns1035Label(v.name ?? '');
    if (nameErrors.length > 0) causes.push(invalid(`${f}.name`, v.name ?? '', nameErrors.join(',')));
    if (!v.schema?.openAPIV3Schema)
      causes.push(required(`${f}.schema.openAPIV3Schema`, 'schemas are required'));
    if (v.subresources?.scale) causes.push(...validateScale(`${f}.subresources`, v.subresources.scale));
    causes.push(...validateColumns(f, v.additionalPrinterColumns));
  }
  if (!unique) causes.push(invalid('spec.versions', versions, 'must contain unique version names'));
  if (versions.filter((v) => v.storage === true).length !== 1) {
    causes.push(
      invalid('spec.versions', versions, 'must have exactly one version marked as storage version'),
    );
  }
  // The real server accepts a CRD that serves nothing; kubesim refuses it, since it could never be used.
  if (versions.length > 0 && !versions.some((v) => v.served === true)) {
    causes.push(invalid('spec.versions', versions, 'must have at least one served version'));
  }
  return causes;
}

function validateNames(names: CrdNames): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const key of ['plural', 'singular', 'kind', 'listKind'] as const) {
    if (!names[key]) causes.push(required(`spec.names.${key}`));
  }
  const label = (field: string, value: string | undefined, mixedCase: boolean): void => {
    if (!value) return;
    const errs = isDns1035Label(mixedCase ? value.toLowerCase() : value);
    if (errs.length === 0) return;
    const prefix = mixedCase ? 'may have mixed case, but should otherwise match: ' : '';
    causes.push(invalid(field, value, prefix + errs.join(',')));
  };
  label('spec.names.plural', names.plural, false);
  label('spec.names.singular', names.singular, false);
  label('spec.names.kind', names.kind, true);
  label('spec.names.listKind', names.listKind, true);
  for (const [i, s] of (names.shortNames ?? []).entries()) label(`spec.names.shortNames[${i}]`, s, false);
  if (names.kind && names.kind === names.listKind) {
    causes.push(invalid('spec.names.listKind', names.listKind, 'kind and listKind may not be the same'));
  }
  for (const [i, c] of (names.categories ?? []).entries()) label(`spec.names.categories[${i}]`, c, false);
  return causes;
}

/**
 * Static validation of a CustomResourceDefinition (after defaults): the name is `<plural>.<group>`, the
 * group a dotted DNS subdomain, a valid scope, one storage version, a schema for every version, valid
 * names, scale paths and printer columns. Metadata rules (labels, DNS syntax of the name) are
 * `validateObjectMeta`'s. Returns the 422 causes, empty when valid.
 */
export function validateCrd(crd: KubeObject): FieldCause[] {
  const spec = specOf(crd);
  const names = defaultedNames(spec.names);
  const causes: FieldCause[] = [];
  const name = crd.metadata.name ?? '';
  if (name !== '' && name !== `${names.plural ?? ''}.${spec.group ?? ''}`) {
    causes.push(invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  }
  const group = spec.group ?? '';
  if (group === '') causes.push(required('spec.group'));
  else {
    const errs = isDns1123Subdomain(group);
    if (errs.length > 0) causes.push(invalid('spec.group', group, errs.join(',')));
    else if (group.split('.').length < 2)
      causes.push(invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  if (!spec.scope) causes.push(required('spec.scope'));
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') {
    causes.push(notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  }
  causes.push(...validateVersions(Array.isArray(spec.versions) ? spec.versions : []));
  causes.push(...validateNames(names));
  const strategy = spec.conversion?.strategy;
  if (strategy !== undefined && strategy !== 'None' && strategy !== 'Webhook') {
    causes.push(notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
  }
  // Webhook conversion is accepted as on a real server, but kubesim never calls the webhook: objects keep
  // their fields and only apiVersion changes between versions, as with strategy None.
  const webhook = spec.conversion?.webhook;
  if (strategy === 'Webhook' && webhook === undefined) {
    causes.push(required('spec.conversion.webhookClientConfig', 'required when strategy is set to Webhook'));
  }
  if (strategy !== 'Webhook' && webhook !== undefined) {
    causes.push(
      forbidden(
        'spec.conversion.webhookClientConfig',
        'should not be set when strategy is not set to Webhook',
      ),
    );
  }
  return dedupe(causes);
}

function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function selectableFields(versions: CrdVersion[]): FieldExtractors | undefined {
  const out: FieldExtractors = {};
  for (const v of versions) {
    for (const f of v.selectableFields ?? []) {
      const path = f.jsonPath;
      if (!path) continue;
      out[path.replace(/^\./, '')] = (obj) => {
        try {
          return fieldText(jsonPathValues(path, obj)[0]);
        } catch {
          return undefined;
        }
      };
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The resource type a (valid) CRD defines. Names come from `status.acceptedNames` when present (what
 * discovery shows), else from the defaulted spec. Versions are in preference order (kube-aware, so the
 * first served one is what discovery prefers). Per-version subresources are merged: status if any
 * version has it, scale from the storage version or else the first version that declares it.
 */
export function resourceTypesFromCrd(crd: KubeObject): ResourceType {
  const spec = specOf(crd);
  const accepted = (crd.status as { acceptedNames?: CrdNames } | undefined)?.acceptedNames;
  const names = defaultedNames(accepted?.plural && accepted.kind ? accepted : spec.names);
  const versions = [...(spec.versions ?? [])].sort((a, b) => compareVersions(a.name, b.name));
  const scaleSource =
    versions.find((v) => v.storage === true && v.subresources?.scale) ??
    versions.find((v) => v.subresources?.scale);
  const scale = scaleSource?.subresources?.scale;
  const type: ResourceType = {
    group: spec.group ?? '',
    versions: versions.map((v) => {
      const info: ResourceVersionInfo = {
        name: v.name,
        served: v.served === true,
        storage: v.storage === true,
      };
      if (v.schema?.openAPIV3Schema) info.schema = v.schema.openAPIV3Schema;
      if (v.additionalPrinterColumns && v.additionalPrinterColumns.length > 0) {
        info.printerColumns = v.additionalPrinterColumns;
      }
      return info;
    }),
    resource: names.plural ?? '',
    singular: names.singular ?? '',
    kind: names.kind ?? '',
    listKind: names.listKind ?? '',
    namespaced: spec.scope === 'Namespaced',
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    verbs: CUSTOM_RESOURCE_VERBS,
    subresources: {},
    tracksGeneration: true,
    allowUnconditionalUpdate: false,
    strategicMerge: false,
    crdName: crd.metadata.name,
  };
  if (versions.some((v) => v.subresources?.status !== undefined)) type.subresources.status = true;
  if (scale?.specReplicasPath && scale.statusReplicasPath) {
    type.subresources.scale = {
      specReplicasPath: scale.specReplicasPath,
      statusReplicasPath: scale.statusReplicasPath,
      ...(scale.labelSelectorPath ? { labelSelectorPath: scale.labelSelectorPath } : {}),
    };
  }
  const fields = selectableFields(versions);
  if (fields) type.fieldSelectors = fields;
  return type;
}

/** Names other resources of the group already hold, so a CRD cannot take them. */
export type TakenNames = { resources: Set<string>; kinds: Set<string> };

/** The names held in `group` by every type except the one `crdName` defines. */
export function takenNames(types: ResourceType[], group: string, crdName: string | undefined): TakenNames {
  const taken: TakenNames = { resources: new Set(), kinds: new Set() };
  for (const t of types) {
    if (t.group !== group || (crdName !== undefined && t.crdName === crdName)) continue;
    for (const r of [t.resource, t.singular, ...t.shortNames]) if (r) taken.resources.add(r);
    for (const k of [t.kind, t.listKind]) if (k) taken.kinds.add(k);
  }
  return taken;
}

function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

function withTransition(condition: CrdCondition, previous: CrdCondition[], now: Date): CrdCondition {
  const before = previous.find((c) => c.type === condition.type);
  const same = before && before.status === condition.status;
  return {
    ...condition,
    lastTransitionTime: same && before.lastTransitionTime ? before.lastTransitionTime : timestamp(now),
  };
}

/**
 * The status a CRD gets once the naming and establishing controllers have run (kubesim runs them at
 * once): `acceptedNames` (the defaulted spec names, keeping previously accepted ones that now conflict),
 * `storedVersions` (every storage version ever used, in order), and conditions NamesAccepted
 * (`NoConflicts`, or `<Name>Conflict` when another type in the group holds a name) and Established
 * (`InitialNamesAccepted`). Transition times move only when a condition changes.
 */
export function crdStatus(crd: KubeObject, now: Date, options: { taken?: TakenNames } = {}): CrdStatus {
  const spec = specOf(crd);
  const previous = (crd.status ?? {}) as Partial<CrdStatus>;
  const previousConditions = Array.isArray(previous.conditions) ? previous.conditions : [];
  const requested = defaultedNames(spec.names);
  const old = previous.acceptedNames ?? {};
  const taken = options.taken ?? { resources: new Set<string>(), kinds: new Set<string>() };
  const accepted: CrdNames = {};
  let conflict: { reason: string; message: string } | undefined;
  const accept = (
    key: 'plural' | 'singular' | 'kind' | 'listKind',
    pool: Set<string>,
    reason: string,
  ): void => {
    const want = requested[key];
    if (want && want !== old[key] && pool.has(want)) {
      conflict = { reason, message: `"${want}" is already in use` };
      if (old[key]) accepted[key] = old[key];
    } else if (want) accepted[key] = want;
  };
  accept('plural', taken.resources, 'PluralConflict');
  accept('singular', taken.resources, 'SingularConflict');
  const shortConflict = (requested.shortNames ?? []).find(
    (s) => !(old.shortNames ?? []).includes(s) && taken.resources.has(s),
  );
  if (shortConflict)
    conflict = { reason: 'ShortNamesConflict', message: `"${shortConflict}" is already in use` };
  const shortNames = shortConflict ? old.shortNames : requested.shortNames;
  if (shortNames && shortNames.length > 0) accepted.shortNames = shortNames;
  accept('kind', taken.kinds, 'KindConflict');
  accept('listKind', taken.kinds, 'ListKindConflict');
  if (requested.categories && requested.categories.length > 0) accepted.categories = requested.categories;

  const namesAccepted: CrdCondition = conflict
    ? { type: 'NamesAccepted', status: 'False', reason: conflict.reason, message: conflict.message }
    : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  const wasEstablished = previousConditions.find((c) => c.type === 'Established')?.status === 'True';
  const established: CrdCondition =
    conflict && !wasEstablished
      ? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }
      : {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
        };

  const storedVersions = Array.isArray(previous.storedVersions) ? [...previous.storedVersions] : [];
  const storage = (spec.versions ?? []).find((v) => v.storage === true)?.name;
  if (storage && !storedVersions.includes(storage)) storedVersions.push(storage);

  const others = previousConditions.filter((c) => c.type !== 'NamesAccepted' && c.type !== 'Established');
  return {
    conditions: [
      withTransition(namesAccepted, previousConditions, now),
      withTransition(established, previousConditions, now),
      ...others,
    ],
    acceptedNames: accepted,
    storedVersions,
  };
}
