import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../registry/types.ts';
import { ignoreNotFound, isAlreadyExists } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { Controller } from './runtime/controller.ts';
import { objectKey, splitKey } from './runtime/informer.ts';
import { isPodReady, metaTime, podPhase } from './runtime/objects.ts';
import { matchesMapSelector } from './runtime/selectors.ts';

type ServicePort = { name?: string; port: number; targetPort?: number | string; protocol?: string };
type ServiceSpec = {
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
};
type ContainerPort = { name?: string; containerPort: number; protocol?: string };
type Address = { ip: string; nodeName?: string; hostname?: string; targetRef: Record<string, unknown> };
type Subset = {
  addresses?: Address[];
  notReadyAddresses?: Address[];
  ports: { name?: string; port: number; protocol: string }[];
};

function resolvePort(pod: KubeObject, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const containers = (pod.spec as { containers?: { ports?: ContainerPort[] }[] }).containers ?? [];
  for (const c of containers) {
    const found = c.ports?.find(
      (p) => p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'),
    );
    if (found) return found.containerPort;
  }
  return undefined;
}

/** One pod's address, as Endpoints list it (hostname only for a headless service's own subdomain). */
function addressOf(service: string, spec: ServiceSpec, pod: KubeObject, ip: string): Address {
  const podSpec = pod.spec as { nodeName?: string; hostname?: string; subdomain?: string };
  const headless = spec.clusterIP === 'None';
  return {
    ip,
    ...(podSpec.nodeName ? { nodeName: podSpec.nodeName } : {}),
    ...(headless && podSpec.hostname && podSpec.subdomain === service ? { hostname: podSpec.hostname } : {}),
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace,
      name: pod.metadata.name,
      uid: pod.metadata.uid,
    },
  };
}

/**
 * The subsets for a Service's selected pods that have an IP and are not finished or deleted: ready ones
 * under `addresses` (all of them with publishNotReadyAddresses), others under `notReadyAddresses`, grouped
 * by the ports each pod resolves the service's target ports to.
 */
export function subsetsFor(service: string, spec: ServiceSpec, pods: KubeObject[]): Subset[] {
  const groups = new Map<string, Subset>();
  const selected = pods
    .filter((p) => matchesMapSelector(spec.selector, p.metadata.labels) && !p.metadata.deletionTimestamp)
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const pod of selected) {
    const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
    const phase = podPhase(pod);
    if (!ip || phase === 'Succeeded' || phase === 'Failed') continue;
    const ports = (spec.ports ?? [])
      .map((p) => ({ name: p.name, port: resolvePort(pod, p), protocol: p.protocol ?? 'TCP' }))
      .filter((p): p is { name: string | undefined; port: number; protocol: string } => p.port !== undefined)
      .map((p) => (p.name ? p : { port: p.port, protocol: p.protocol }));
    const id = JSON.stringify(ports);
    const subset: Subset = groups.get(id) ?? { ports };
    groups.set(id, subset);
    const address = addressOf(service, spec, pod, ip);
    if (isPodReady(pod) || spec.publishNotReadyAddresses)
      subset.addresses = [...(subset.addresses ?? []), address];
    else subset.notReadyAddresses = [...(subset.notReadyAddresses ?? []), address];
  }
  return [...groups.values()];
}

/**
 * The Endpoints controller: for each Service with a selector, an Endpoints object of the same name whose
 * subsets list the matching pods with an IP — ready ones under `addresses`, others under
 * `notReadyAddresses` — grouped by their resolved ports (named target ports looked up per pod).
 * Services without a selector are left to whoever manages their Endpoints.
 */
export function startEndpointsController(ctx: ClusterContext): Controller {
  const { api, refs, informers } = ctx;
  const services = informers.get(refs.services);
  const controller = new Controller(ctx, 'endpoints', (key) => reconcile(key));
  controller.watch(services, objectKey);
  controller.watch(informers.get(refs.pods), (pod) =>
    services
      .list(pod.metadata.namespace)
      .filter((s) => matchesMapSelector((s.spec as ServiceSpec | undefined)?.selector, pod.metadata.labels))
      .map(objectKey),
  );
  controller.resync(() => services.list().map(objectKey));

  function reconcile(key: string): undefined {
    const { namespace, name } = splitKey(key);
    const service = ignoreNotFound(() => api.get(refs.services, namespace, name));
    const existing = ignoreNotFound(() => api.get(refs.endpoints, namespace, name));
    if (!service || service.metadata.deletionTimestamp) {
      if (existing) ignoreNotFound(() => api.delete(refs.endpoints, namespace, name));
      return undefined;
    }
    const spec = (service.spec ?? {}) as ServiceSpec;
    if (!spec.selector || Object.keys(spec.selector).length === 0) return undefined;
    const headless = spec.clusterIP === 'None';
    const pods = api.list(refs.pods, { namespace }).items;
    const subsets = subsetsFor(name, spec, pods);
    const labels: Record<string, string> = { ...(service.metadata.labels ?? {}) };
    if (headless) labels['service.kubernetes.io/headless'] = '';
    if (existing) {
      const same =
        isDeepStrictEqual(existing.subsets ?? [], subsets) &&
        isDeepStrictEqual(existing.metadata.labels ?? {}, labels);
      if (same) return undefined;
      api.update(refs.endpoints, namespace, name, {
        ...existing,
        metadata: {
          ...existing.metadata,
          labels,
          annotations: {
            ...(existing.metadata.annotations ?? {}),
            'endpoints.kubernetes.io/last-change-trigger-time': metaTime(ctx.clock.now()),
          },
        },
        subsets: subsets.length > 0 ? subsets : undefined,
      });
      return undefined;
    }
    try {
      api.create(refs.endpoints, namespace, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: {
          name,
          namespace,
          labels,
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': metaTime(ctx.clock.now()) },
        },
        ...(subsets.length > 0 ? { subsets } : {}),
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      throw new Error(`endpoints ${key} appeared meanwhile; retrying`);
    }
    return undefined;
  }

  return controller;
}
