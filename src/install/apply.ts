import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';
import { type KubeConnection, waitUntil } from '../kube/client.ts';
import { ManifestApplier } from '../kube/manifest-applier.ts';
import type { KubeObject } from '../kube/types.ts';
import type { InstallObject } from './render.ts';

/** What applying one object did: made it, changed it, or found it already as rendered. */
export type ApplyAction = 'created' | 'configured' | 'unchanged';

export type AppliedObject = { kind: string; name: string; namespace?: string; action: ApplyAction };

export interface ApplyInstallOptions {
  logger: Logger;
  clock: Clock;
  /** How long to wait for the CRDs to be Established (default 60 s). */
  crdTimeoutMs?: number;
}

/** `CustomResourceDefinition/backups.lifeboat.io`, `Secret lifeboat/cloud-credentials`: never the content. */
export function describeObject(object: {
  kind: string;
  metadata: { name: string; namespace?: string };
}): string {
  const { name, namespace } = object.metadata;
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/**
 * Applies the install set in order with server-side apply under the field manager `lifeboat` (forcing
 * ownership of the fields it renders), and once the CRDs are applied waits until each is Established before
 * applying anything that may need them. Applying the same set twice changes nothing (every object reports
 * `unchanged`). Secret data never reaches the logger or an error message.
 */
export async function applyInstall(
  conn: KubeConnection,
  objects: readonly InstallObject[],
  options: ApplyInstallOptions,
): Promise<AppliedObject[]> {
  const applier = new ManifestApplier(conn);
  const results: AppliedObject[] = [];
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
  for (const object of crds) results.push(await applyOne(applier, object, options.logger));
  for (const crd of crds) await waitEstablished(applier, crd, options);
  for (const object of rest) results.push(await applyOne(applier, object, options.logger));
  return results;
}

async function applyOne(
  applier: ManifestApplier,
  object: InstallObject,
  logger: Logger,
): Promise<AppliedObject> {
  const what = describeObject(object);
  const before = await withContext(`read ${what}`, () => applier.get(object));
  const applied: KubeObject = await withContext(`apply ${what}`, () => applier.apply<KubeObject>(object));
  const action: ApplyAction =
    before === undefined
      ? 'created'
      : applied.metadata?.resourceVersion === before.metadata?.resourceVersion
        ? 'unchanged'
        : 'configured';
  logger.debug({ kind: object.kind, name: object.metadata.name, action }, 'applied');
  return { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace, action };
}

async function waitEstablished(
  applier: ManifestApplier,
  crd: InstallObject,
  options: ApplyInstallOptions,
): Promise<void> {
  await waitUntil(
    `CustomResourceDefinition ${crd.metadata.name} to be Established`,
    async () => {
      const live = (await withContext(`read ${describeObject(crd)}`, () => applier.get(crd))) as
        | { status?: { conditions?: { type: string; status: string }[] } }
        | undefined;
      const established = live?.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      return established ? true : undefined;
    },
    { timeoutMs: options.crdTimeoutMs ?? 60_000, intervalMs: 100, clock: options.clock },
  );
}

/** The Kubernetes port's errors carry the API's Status message only (never headers or bodies); say what was done. */
async function withContext<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof LifeboatError)
      throw new LifeboatError(err.code, `${what}: ${err.message}`, { cause: err });
    throw err;
  }
}
