import type { KubeObject } from '../../registry/types.ts';
import { invalid } from '../errors.ts';
import { jsonEqual } from '../meta.ts';
import type { Admission, AdmissionContext } from './types.ts';

/** Write rules of built-in kinds that need no state: immutable fields, Secret stringData, Pod status. */

const immutableData = (fields: string[]): Admission => ({
  update(obj, old, ctx) {
    if (old.immutable !== true) return;
    const name = obj.metadata.name ?? '';
    if (obj.immutable !== true) {
      throw invalid(ctx.type, name, [
        {
          field: 'immutable',
          message: 'Forbidden: field is immutable when `immutable` is set',
          reason: 'FieldValueForbidden',
        },
      ]);
    }
    for (const f of fields) {
      if (!jsonEqual(obj[f], old[f])) {
        throw invalid(ctx.type, name, [
          {
            field: f,
            message: 'Forbidden: field is immutable when `immutable` is set',
            reason: 'FieldValueForbidden',
          },
        ]);
      }
    }
  },
});

function foldStringData(obj: KubeObject): void {
  const stringData = obj.stringData as Record<string, string> | undefined;
  if (stringData && typeof stringData === 'object') {
    const data = { ...(obj.data as Record<string, string> | undefined) };
    for (const [k, v] of Object.entries(stringData))
      data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    obj.data = data;
  }
  delete obj.stringData;
}

const configMaps = immutableData(['data', 'binaryData']);
const secretData = immutableData(['data']);

const secrets: Admission = {
  create(obj) {
    foldStringData(obj);
    obj.type ??= 'Opaque';
  },
  update(obj, old, ctx) {
    foldStringData(obj);
    obj.type ??= old.type;
    if (obj.type !== old.type) {
      throw invalid(ctx.type, obj.metadata.name ?? '', [
        { field: 'type', message: `Invalid value: "${String(obj.type)}": field is immutable` },
      ]);
    }
    secretData.update?.(obj, old, ctx);
  },
};

function immutablePaths(paths: string[][]): Admission {
  return {
    update(obj, old, ctx) {
      for (const path of paths) {
        const before = path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], old);
        const after = path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
        if (before !== undefined && !jsonEqual(before, after)) {
          throw invalid(ctx.type, obj.metadata.name ?? '', [
            { field: path.join('.'), message: `Invalid value: ${JSON.stringify(after)}: field is immutable` },
          ]);
        }
      }
    },
  };
}

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

/** The QoS class the real server computes on create (kubectl describe shows it). */
export function qosClass(spec: { containers?: { resources?: Resources }[] } | undefined): string {
  const containers = spec?.containers ?? [];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      if (l === undefined || (req[r] !== undefined && req[r] !== l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const pods: Admission = {
  create(obj) {
    obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec as never) };
  },
};

const selectorImmutable = immutablePaths([['spec', 'selector']]);

/** Admission of built-in kinds by group-resource key. */
export function builtinAdmissions(): Map<string, Admission> {
  return new Map<string, Admission>([
    ['configmaps', configMaps],
    ['secrets', secrets],
    ['pods', pods],
    ['deployments.apps', selectorImmutable],
    ['replicasets.apps', selectorImmutable],
    ['statefulsets.apps', selectorImmutable],
    ['daemonsets.apps', selectorImmutable],
    ['jobs.batch', selectorImmutable],
  ]);
}

export type { AdmissionContext };
