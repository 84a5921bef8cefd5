import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { LifeboatError } from '../core/errors.ts';
import { type KubeConnection, waitUntil } from '../kube/client.ts';
import { discoverResources } from '../kube/discovery.ts';
import { ManifestApplier } from '../kube/manifest-applier.ts';
import type { KubeObject } from '../kube/types.ts';
import { describeObject } from './apply.ts';
import { inventorySelector } from './labels.ts';
import type { InstallObject } from './render.ts';
import { REPOSITORY_SECRET_KEY, REPOSITORY_SECRET_NAME } from './values.ts';

/**
 * The kinds an installation may hold, in the order uninstall deletes them: workloads first (they stop
 * using the rest), then RBAC and Secrets, the namespace, and the CRDs last.
 */
export const INVENTORY_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'lifeboat.io/v1', kind: 'BackupStorageLocation' },
  { apiVersion: 'lifeboat.io/v1', kind: 'VolumeSnapshotLocation' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'Namespace' },
  { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
];

export type InventoryRef = { apiVersion: string; kind: string; name: string; namespace?: string };

function keyOf(o: { kind: string; metadata?: { name?: string; namespace?: string } }): string {
  return `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** Every object carrying the installation's inventory labels, in uninstall order. */
export async function listInventory(conn: KubeConnection, namespace: string): Promise<InventoryRef[]> {
  const applier = new ManifestApplier(conn);
  const found: InventoryRef[] = [];
  for (const { apiVersion, kind } of INVENTORY_KINDS) {
    const resource = await applier.resourceOf(
      { apiVersion, kind, metadata: { name: 'x' } },
      { missingKind: 'undefined' },
    );
    if (!resource) continue;
    for await (const page of applier.client.listPages(resource, {
      labelSelector: inventorySelector(namespace),
    }))
      for (const item of page.items)
        found.push({
          apiVersion,
          kind,
          name: item.metadata?.name ?? '',
          ...(item.metadata?.namespace ? { namespace: item.metadata.namespace } : {}),
        });
  }
  return found;
}

export interface PruneOptions {
  namespace: string;
  /** CRDs are kept unless this says otherwise: deleting one deletes every object of its kind. */
  pruneCrds?: boolean;
  logger: Logger;
}

/**
 * Deletes what the installation holds that `rendered` no longer contains (the objects carrying its inventory
 * labels): what `upgrade` does after applying. The namespace is never pruned, nor CRDs unless asked.
 */
export async function pruneInstall(
  conn: KubeConnection,
  rendered: readonly InstallObject[],
  options: PruneOptions,
): Promise<InventoryRef[]> {
  const wanted = new Set(rendered.map(keyOf));
  const applier = new ManifestApplier(conn);
  const pruned: InventoryRef[] = [];
  for (const ref of await listInventory(conn, options.namespace)) {
    if (ref.kind === 'Namespace') continue;
    if (ref.kind === 'CustomResourceDefinition' && !options.pruneCrds) continue;
    if (wanted.has(keyOf({ kind: ref.kind, metadata: ref }))) continue;
    await deleteRef(applier, ref);
    options.logger.debug({ kind: ref.kind, name: ref.name }, 'pruned');
    pruned.push(ref);
  }
  return pruned;
}

export interface UninstallOptions {
  namespace: string;
  keepCrds?: boolean;
  /** Wait until the namespace (and the CRDs) are gone. */
  wait?: boolean;
  /** How long Lifeboat's own resources get to go before their finalizers are removed, and how long --wait waits. */
  timeoutMs?: number;
  clock: Clock;
  logger: Logger;
}

export type UninstallResult = { lifeboatResources: number; deleted: InventoryRef[] };

/**
 * Removes the installation: first every lifeboat.io object in the namespace (while the server may still
 * run their finalizers; those left after the timeout lose their finalizers so nothing hangs), then the
 * inventory in order (workloads, RBAC, Secrets, namespace, CRDs unless kept). The bucket is not touched.
 */
export async function uninstallLifeboat(
  conn: KubeConnection,
  options: UninstallOptions,
): Promise<UninstallResult> {
  const applier = new ManifestApplier(conn);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const lifeboatResources = await deleteLifeboatObjects(conn, applier, options, timeoutMs);
  const deleted: InventoryRef[] = [];
  for (const ref of await listInventory(conn, options.namespace)) {
    if (ref.kind === 'CustomResourceDefinition' && options.keepCrds) continue;
    await deleteRef(applier, ref);
    deleted.push(ref);
  }
  if (options.wait)
    for (const ref of deleted.filter((r) => r.kind === 'Namespace' || r.kind === 'CustomResourceDefinition'))
      await waitUntil(
        `${describeObject({ kind: ref.kind, metadata: ref })} to be gone`,
        async () => ((await applier.get(asObject(ref))) === undefined ? true : undefined),
        { timeoutMs, intervalMs: 200, clock: options.clock },
      );
  return { lifeboatResources, deleted };
}

async function deleteLifeboatObjects(
  conn: KubeConnection,
  applier: ManifestApplier,
  options: UninstallOptions,
  timeoutMs: number,
): Promise<number> {
  const catalog = await discoverResources(conn);
  const resources = catalog.preferred().filter((r) => r.group === 'lifeboat.io' && r.namespaced);
  const listAll = async () => {
    const items: { resource: (typeof resources)[number]; object: KubeObject }[] = [];
    for (const resource of resources)
      for await (const page of applier.client.listPages(resource, { namespace: options.namespace }))
        for (const object of page.items) items.push({ resource, object });
    return items;
  };
  const first = await listAll();
  for (const { resource, object } of first)
    await ignoreNotFound(() =>
      applier.client.delete(resource, options.namespace, object.metadata?.name ?? ''),
    );
  try {
    await waitUntil(
      'Lifeboat resources to be deleted',
      async () => ((await listAll()).length === 0 ? true : undefined),
      { timeoutMs: Math.min(timeoutMs, 30_000), intervalMs: 200, clock: options.clock },
    );
  } catch {
    // No server runs their finalizers (it is stopped or already gone): release them.
    for (const { resource, object } of await listAll()) {
      options.logger.warn({ kind: object.kind, name: object.metadata?.name }, 'removing finalizers');
      await ignoreNotFound(() =>
        applier.client.patch(resource, options.namespace, object.metadata?.name ?? '', 'merge', {
          metadata: { finalizers: null },
        }),
      );
    }
  }
  return first.length;
}

function asObject(ref: InventoryRef): KubeObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}

async function deleteRef(applier: ManifestApplier, ref: InventoryRef): Promise<void> {
  const resource = await applier.resourceOf(asObject(ref), { missingKind: 'undefined' });
  if (resource) await ignoreNotFound(() => applier.client.delete(resource, ref.namespace, ref.name));
}

async function ignoreNotFound(step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (!(err instanceof LifeboatError && err.code === 'NotFound')) throw err;
  }
}

/**
 * The repository password to render: the one already in the cluster's `lifeboat-repo-credentials` Secret
 * (an upgrade must never change it: the repositories are encrypted with it), else a new random one.
 */
export async function repositoryPasswordFor(conn: KubeConnection, namespace: string): Promise<string> {
  const applier = new ManifestApplier(conn);
  const live = (await applier.get({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: REPOSITORY_SECRET_NAME, namespace },
  })) as { data?: Record<string, string> } | undefined;
  const existing = live?.data?.[REPOSITORY_SECRET_KEY];
  if (existing) return Buffer.from(existing, 'base64').toString('utf8');
  return newRepositoryPassword();
}

/** 32 random bytes, base64url: a fresh password for one installation. */
export function newRepositoryPassword(): string {
  return randomBytes(32).toString('base64url');
}
