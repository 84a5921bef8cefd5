import { isNotFound } from '../cluster/runtime/api-errors.ts';
import type { ClusterContext } from '../cluster/runtime/context.ts';
import type { KubeObject } from '../registry/types.ts';

type KeyRef = { name?: string; key: string; optional?: boolean };
type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef };
};
type EnvFrom = {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
};
type Container = { name: string; env?: EnvVar[]; envFrom?: EnvFrom[] };

/** A container's environment cannot be built yet: the kubelet's `CreateContainerConfigError`. */
export class EnvNotReady extends Error {}

/**
 * The environment values a kubelet resolves from the API for each container — `envFrom` ConfigMaps and
 * Secrets (with prefix) and `valueFrom.configMapKeyRef`/`secretKeyRef` — handed to the runtime, which adds
 * them to the container's plain values. Throws `EnvNotReady` for a missing, non-optional source, with the
 * kubelet's message.
 */
export function resolveEnv(ctx: ClusterContext, pod: KubeObject): Record<string, Record<string, string>> {
  const namespace = pod.metadata.namespace!;
  const cache = new Map<string, Record<string, string> | undefined>();
  const load = (kind: 'configmap' | 'secret', name: string): Record<string, string> | undefined => {
    const id = `${kind}/${name}`;
    if (cache.has(id)) return cache.get(id);
    let data: Record<string, string> | undefined;
    try {
      if (kind === 'configmap') {
        data = {
          ...((ctx.api.get(ctx.refs.configMaps, namespace, name).data ?? {}) as Record<string, string>),
        };
      } else {
        const raw = (ctx.api.get(ctx.refs.secrets, namespace, name).data ?? {}) as Record<string, string>;
        data = Object.fromEntries(
          Object.entries(raw).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    cache.set(id, data);
    return data;
  };
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const out: Record<string, Record<string, string>> = {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      const kind = from.configMapRef ? 'configmap' : 'secret';
      const ref = from.configMapRef ?? from.secretRef;
      if (!ref?.name) continue;
      const data = load(kind, ref.name);
      if (!data) {
        if (ref.optional) continue;
        throw new EnvNotReady(`${kind} "${ref.name}" not found`);
      }
      for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = v;
    }
    for (const v of c.env ?? []) {
      const ref = v.valueFrom?.configMapKeyRef ?? v.valueFrom?.secretKeyRef;
      if (!ref?.name) continue;
      const kind = v.valueFrom?.configMapKeyRef ? 'configmap' : 'secret';
      const data = load(kind, ref.name);
      if (!data) {
        if (ref.optional) continue;
        throw new EnvNotReady(`${kind} "${ref.name}" not found`);
      }
      if (!Object.hasOwn(data, ref.key)) {
        if (ref.optional) continue;
        throw new EnvNotReady(
          `couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${namespace}/${ref.name}`,
        );
      }
      env[v.name] = data[ref.key];
    }
    if (Object.keys(env).length > 0) out[c.name] = env;
  }
  return out;
}
