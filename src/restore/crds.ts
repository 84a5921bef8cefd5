import type { Clock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../kube/types.ts';

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { plural?: string; singular?: string; kind?: string; shortNames?: string[]; categories?: string[] };
  versions?: { name: string; served?: boolean; storage?: boolean }[];
}

/**
 * The resources a CRD defines, one per served version, as discovery would list them: used when the target's
 * discovery has not caught up with a CRD the restore just created.
 */
export function resourcesOfCrd(crd: KubeObject): ApiResourceInfo[] {
  const spec = (crd.spec ?? {}) as CrdSpec;
  const group = spec.group ?? '';
  const plural = spec.names?.plural ?? '';
  const served = (spec.versions ?? []).filter((v) => v.served !== false);
  const preferred = served.find((v) => v.storage)?.name ?? served[0]?.name ?? '';
  return served.map((v) => ({
    group,
    version: v.name,
    groupVersion: `${group}/${v.name}`,
    resource: plural,
    singular: spec.names?.singular ?? plural,
    kind: spec.names?.kind ?? '',
    namespaced: spec.scope !== 'Cluster',
    shortNames: spec.names?.shortNames ?? [],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    categories: spec.names?.categories ?? [],
    preferredVersion: preferred,
    groupResource: `${plural}.${group}`,
  }));
}

/** Polls the CRD until its Established condition is True, or throws `Timeout`. */
export async function waitForEstablished(
  client: DynamicClient,
  crdResource: ApiResourceInfo,
  name: string,
  options: { clock: Clock; timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const deadline = options.clock.now().getTime() + options.timeoutMs;
  for (;;) {
    const crd = await client.get(crdResource, undefined, name);
    const conditions =
      (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (options.clock.now().getTime() >= deadline)
      throw new LifeboatError(
        'Timeout',
        `CustomResourceDefinition ${name} was not Established within ${options.timeoutMs} ms`,
      );
    await options.clock.sleep(100, options.signal);
  }
}
