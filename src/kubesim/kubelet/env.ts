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
  const sources = new SourceCache(ctx, pod.metadata.namespace!);
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const out: Record<string, Record<string, string>> = {};
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) Object.assign(env, fromSource(sources, from));
    for (const v of c.env ?? []) {
      const value = fromKeyRef(sources, v);
      if (value !== undefined) env[v.name] = value;
    }
    if (Object.keys(env).length > 0) out[c.name] = env;
  }
  return out;
}

type Kind = 'configmap' | 'secret';

/** ConfigMaps and Secrets of one namespace, each read once per resolution, Secret values decoded. */
class SourceCache {
  readonly #ctx: ClusterContext;
  readonly #namespace: string;
  readonly #cache = new Map<string, Record<string, string> | undefined>();

  constructor(ctx: ClusterContext, namespace: string) {
    this.#ctx = ctx;
    this.#namespace = namespace;
  }

  get namespace(): string {
    return this.#namespace;
  }

  data(kind: Kind, name: string): Record<string, string> | undefined {
    const id = `${kind}/${name}`;
    if (!this.#cache.has(id)) this.#cache.set(id, this.#read(kind, name));
    return this.#cache.get(id);
  }

  #read(kind: Kind, name: string): Record<string, string> | undefined {
    const { api, refs } = this.#ctx;
    try {
      if (kind === 'configmap') {
        return {
          ...((api.get(refs.configMaps, this.#namespace, name).data ?? {}) as Record<string, string>),
        };
      }
      const raw = (api.get(refs.secrets, this.#namespace, name).data ?? {}) as Record<string, string>;
      return Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return undefined;
    }
  }
}

function fromSource(sources: SourceCache, from: EnvFrom): Record<string, string> {
  const kind: Kind = from.configMapRef ? 'configmap' : 'secret';
  const ref = from.configMapRef ?? from.secretRef;
  if (!ref?.name) return {};
  const data = sources.data(kind, ref.name);
  if (!data) {
    if (ref.optional) return {};
    throw new EnvNotReady(`${kind} "${ref.name}" not found`);
  }
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [`${from.prefix ?? ''}${k}`, v]));
}

function fromKeyRef(sources: SourceCache, v: EnvVar): string | undefined {
  const ref = v.valueFrom?.configMapKeyRef ?? v.valueFrom?.secretKeyRef;
  if (!ref?.name) return undefined;
  const kind: Kind = v.valueFrom?.configMapKeyRef ? 'configmap' : 'secret';
  const data = sources.data(kind, ref.name);
  if (!data) {
    if (ref.optional) return undefined;
    throw new EnvNotReady(`${kind} "${ref.name}" not found`);
  }
  if (Object.hasOwn(data, ref.key)) return data[ref.key];
  if (ref.optional) return undefined;
  const what = kind === 'configmap' ? 'ConfigMap' : 'Secret';
  throw new EnvNotReady(`couldn't find key ${ref.key} in ${what} ${sources.namespace}/${ref.name}`);
}
