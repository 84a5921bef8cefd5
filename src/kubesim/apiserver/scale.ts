import type { KubeObject, ScaleSubresource } from '../registry/types.ts';
import { badRequest } from './errors.ts';

/**
 * The `scale` subresource speaks autoscaling/v1 `Scale` whatever the parent kind (kubectl refuses anything
 * else, kube-api-surface.md P11); replicas live at the paths the resource type declares.
 */

function pathParts(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter(Boolean);
}

export function readPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of pathParts(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = pathParts(path);
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};

/** A LabelSelector object in its string form, as `Scale.status.selector` carries it. */
export function selectorString(selector: unknown): string | undefined {
  if (typeof selector === 'string') return selector;
  if (selector === null || typeof selector !== 'object') return undefined;
  const s = selector as LabelSelector;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.sort().join(',');
}

export function toScale(obj: KubeObject, scale: ScaleSubresource): KubeObject {
  const spec = readPath(obj, scale.specReplicasPath);
  const status = readPath(obj, scale.statusReplicasPath);
  const selector = scale.labelSelectorPath
    ? selectorString(readPath(obj, scale.labelSelectorPath))
    : undefined;
  const metadata: KubeObject['metadata'] = {
    name: obj.metadata.name,
    namespace: obj.metadata.namespace,
    uid: obj.metadata.uid,
    resourceVersion: obj.metadata.resourceVersion,
    creationTimestamp: obj.metadata.creationTimestamp,
  };
  if (metadata.namespace === undefined) delete metadata.namespace;
  const out: KubeObject = {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: typeof spec === 'number' ? spec : 0 },
    status: { replicas: typeof status === 'number' ? status : 0 },
  };
  if (selector) (out.status as Record<string, unknown>).selector = selector;
  return out;
}

/** Reads spec.replicas from a Scale body; 400 when it is missing or not a whole number. */
export function replicasOf(scaleBody: KubeObject): number {
  const replicas = (scaleBody.spec as { replicas?: unknown } | undefined)?.replicas;
  if (replicas === undefined) return 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw badRequest(
      `Scale.autoscaling "${scaleBody.metadata?.name ?? ''}" is invalid: spec.replicas: must be a non-negative integer`,
    );
  }
  return replicas;
}
