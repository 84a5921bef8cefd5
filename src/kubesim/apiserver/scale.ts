import type { KubeObject, ScaleSubresource } from '../registry/types.ts';
import { invalid } from './errors.ts';

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
  // A ReplicationController's selector is a plain label map, not a metav1.LabelSelector.
  if (!('matchLabels' in selector) && !('matchExpressions' in selector)) {
    return Object.entries(selector as Record<string, string>)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',');
  }
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
  const metadata: KubeObject['metadata'] = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp'] as const) {
    if (obj.metadata[k] !== undefined) metadata[k] = obj.metadata[k];
  }
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

/** Reads spec.replicas from a Scale body; 422 when it is negative or not a whole number, as the real server. */
export function replicasOf(scaleBody: KubeObject): number {
  const replicas = (scaleBody.spec as { replicas?: unknown } | undefined)?.replicas;
  if (replicas === undefined || replicas === null) return 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid({ group: 'autoscaling', kind: 'Scale' }, scaleBody.metadata?.name ?? '', [
      {
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      },
    ]);
  }
  return replicas;
}
