import type { KubeObject } from '../registry/types.ts';
import { type ContainerSpec, podIP } from './pod-spec.ts';

/**
 * A container's environment as a runtime builds it: the image's defaults (PATH, HOME), HOSTNAME = the pod's
 * name, then the container's `env` in order with `$(VAR)` references expanded, `valueFrom.fieldRef` for the
 * pod's own fields, then what the kubelet resolved from Secrets and ConfigMaps.
 */

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Expands `$(NAME)` references against `vars` the way Kubernetes does for env values, command and args:
 * `$$` is an escaped `$`, and a reference to an undefined variable is left as written.
 */
export function expandReferences(text: string, vars: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '$' || i + 1 >= text.length) {
      out += ch;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const close = text.indexOf(')', i + 2);
      if (close > 0) {
        const name = text.slice(i + 2, close);
        if (Object.hasOwn(vars, name)) {
          out += vars[name];
          i = close;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}

const BRACKETED = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/** The value of a downward-API field path for `pod`, or undefined for paths this simulator does not serve. */
export function fieldRefValue(pod: KubeObject, fieldPath: string): string | undefined {
  const meta = pod.metadata;
  const spec = (pod.spec ?? {}) as { nodeName?: string; serviceAccountName?: string };
  const status = (pod.status ?? {}) as { hostIP?: string };
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name;
    case 'metadata.namespace':
      return meta.namespace;
    case 'metadata.uid':
      return meta.uid;
    case 'spec.nodeName':
      return spec.nodeName;
    case 'spec.serviceAccountName':
      return spec.serviceAccountName;
    case 'status.podIP':
    case 'status.podIPs':
      return podIP(pod);
    case 'status.hostIP':
    case 'status.hostIPs':
      return status.hostIP;
  }
  const m = BRACKETED.exec(fieldPath);
  if (m) {
    const map = m[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[m[2]];
  }
  return undefined;
}

export type EnvOptions = {
  /** Variables every container gets before its own (e.g. KUBERNETES_SERVICE_HOST). */
  base?: Record<string, string>;
  /** Values resolved by the kubelet from Secrets and ConfigMaps. */
  resolved?: Record<string, string>;
  tty?: boolean;
};

/** Builds the environment of `container` in `pod`. */
export function containerEnv(
  pod: KubeObject,
  container: ContainerSpec,
  options: EnvOptions = {},
): Record<string, string> {
  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    HOSTNAME: pod.metadata.name ?? '',
    HOME: '/root',
    ...options.base,
  };
  if (options.tty) env.TERM = 'xterm';
  for (const v of container.env ?? []) {
    if (!v || typeof v.name !== 'string') continue;
    if (typeof v.value === 'string') {
      env[v.name] = expandReferences(v.value, env);
    } else if (v.valueFrom?.fieldRef?.fieldPath) {
      const value = fieldRefValue(pod, v.valueFrom.fieldRef.fieldPath);
      if (value !== undefined) env[v.name] = value;
    } else if (!v.valueFrom) {
      env[v.name] = '';
    }
  }
  Object.assign(env, options.resolved);
  return env;
}

/**
 * The process a container runs: command then args, each with `$(VAR)` references expanded. Without a command
 * the args alone (the image's entrypoint is unknown here; for images without one, args are the command).
 */
export function containerArgv(container: ContainerSpec, env: Record<string, string>): string[] {
  const command = Array.isArray(container.command) ? container.command : [];
  const args = Array.isArray(container.args) ? container.args : [];
  return [...command, ...args].filter((a) => typeof a === 'string').map((a) => expandReferences(a, env));
}
