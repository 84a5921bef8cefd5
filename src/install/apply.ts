import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';
import { applyObject, type KubeConnection, waitUntil } from '../kube/client.ts';
import { apiStatusCode, translateApiError } from './api-errors.ts';
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
  const results: AppliedObject[] = [];
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
  for (const object of crds) results.push(await applyOne(conn, object, options.logger));
  for (const crd of crds) await waitEstablished(conn, crd.metadata.name, options);
  for (const object of rest) results.push(await applyOne(conn, object, options.logger));
  return results;
}

async function applyOne(conn: KubeConnection, object: InstallObject, logger: Logger): Promise<AppliedObject> {
  const what = describeObject(object);
  const before = await resourceVersionOf(conn, object, what);
  let applied: { metadata?: { resourceVersion?: string } };
  try {
    applied = (await applyObject(conn, object)) as typeof applied;
  } catch (err) {
    throw translateApiError(err, `apply ${what}`);
  }
  const action: ApplyAction =
    before === undefined
      ? 'created'
      : applied.metadata?.resourceVersion === before
        ? 'unchanged'
        : 'configured';
  logger.debug({ kind: object.kind, name: object.metadata.name, action }, 'applied');
  return { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace, action };
}

async function resourceVersionOf(
  conn: KubeConnection,
  object: InstallObject,
  what: string,
): Promise<string | undefined> {
  try {
    const current = await conn.objects.read({
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
    });
    return current.metadata?.resourceVersion ?? '';
  } catch (err) {
    // A 404 is "not there yet"; so is an unknown kind before its CRD exists.
    if (apiStatusCode(err) === 404) return undefined;
    throw translateApiError(err, `read ${what}`);
  }
}

async function waitEstablished(
  conn: KubeConnection,
  name: string,
  options: ApplyInstallOptions,
): Promise<void> {
  const timeoutMs = options.crdTimeoutMs ?? 60_000;
  try {
    await waitUntil(
      `CustomResourceDefinition ${name} to be Established`,
      async () => {
        const crd = (await conn.objects.read({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name },
        })) as { status?: { conditions?: { type: string; status: string }[] } };
        const established = crd.status?.conditions?.some(
          (c) => c.type === 'Established' && c.status === 'True',
        );
        return established ? true : undefined;
      },
      { timeoutMs, intervalMs: 100, clock: options.clock },
    );
  } catch (err) {
    if (err instanceof LifeboatError) throw err;
    throw translateApiError(err, `read CustomResourceDefinition ${name}`);
  }
}
