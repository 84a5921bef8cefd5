import type { ResourceKind } from '../../../api/index.ts';
import type { Clock } from '../../../core/clock.ts';
import { LifeboatError } from '../../../core/errors.ts';
import { lifeboatResource } from '../../../kube/index.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../../../kube/types.ts';
import { type Comparison, compareSnapshots, type Snapshot, takeSnapshot } from './compare.ts';

/**
 * The `lifeboat dev` demonstration, driven only through resources as an operator would: a Backup of the
 * sample application, its namespaces deleted, a Restore into the same namespaces and a Restore of a copy
 * into mapped namespaces, each checked object by object against what was there before.
 */

export interface DemoTarget {
  client: DynamicClient;
  catalog: ResourceCatalog;
  /** The server's namespace, where Backups and Restores go. */
  serverNamespace: string;
  /** The application's namespaces. */
  namespaces: readonly string[];
  /** Cluster-scoped objects of the application (its CRD), checked too. */
  clusterObjects?: readonly { resource: string; name: string }[];
  clock: Clock;
  /** Called as each step starts, for a live line. */
  onStep?: (step: string) => void;
  /** How long any one step may take (default 60 s). */
  stepTimeoutMs?: number;
}

export interface DemoStep {
  name: string;
  ms: number;
  detail: string;
}

export interface DemoReport {
  backupName: string;
  /** The Backup's final phase, items and storage location. */
  backup: { phase: string; items: number; warnings: number; errors: number };
  restores: { name: string; phase: string; mapping: Record<string, string>; comparison: Comparison }[];
  steps: DemoStep[];
  /** Whether every object came back equal, in place and in the copy. */
  ok: boolean;
}

const FINAL_PHASES = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);

type RunStatus = {
  phase?: string;
  progress?: { itemsBackedUp?: number; itemsRestored?: number; totalItems?: number };
  warnings?: number;
  errors?: number;
  failureReason?: string;
  validationErrors?: string[];
};

/** Suffix for the demo's copy of a namespace. */
export const COPY_SUFFIX = '-copy';

export async function runDemo(target: DemoTarget): Promise<DemoReport> {
  const { client, catalog, clock } = target;
  const steps: DemoStep[] = [];
  const timeoutMs = target.stepTimeoutMs ?? 60_000;
  const step = async <T>(name: string, work: () => Promise<T>, detail: (value: T) => string): Promise<T> => {
    target.onStep?.(name);
    const started = clock.now().getTime();
    const value = await work();
    steps.push({ name, ms: clock.now().getTime() - started, detail: detail(value) });
    return value;
  };
  const snapshot = (namespaces: readonly string[]): Promise<Snapshot> =>
    takeSnapshot(client, catalog, namespaces, { clusterObjects: target.clusterObjects });

  const before = await step(
    'read the application',
    () => snapshot(target.namespaces),
    (s) => `${s.size} objects in ${target.namespaces.join(', ')}`,
  );

  const backupName = `sample-app-${stamp(clock)}`;
  const backup = await step(
    'back up',
    async () => {
      await create(client, target.serverNamespace, 'Backup', backupName, {
        includedNamespaces: [...target.namespaces],
      });
      return waitFinal(target, 'Backup', backupName, timeoutMs);
    },
    (s) => `Backup ${backupName}: ${s.phase}, ${s.progress?.itemsBackedUp ?? 0} items`,
  );
  if (backup.phase !== 'Completed') throw runFailed('Backup', backupName, backup);

  await step(
    'delete the namespaces',
    () => deleteNamespaces(target, timeoutMs),
    () => `${target.namespaces.join(', ')} deleted and gone`,
  );

  const restores: DemoReport['restores'] = [];
  const restoreAndCheck = async (name: string, mapping: Record<string, string>): Promise<void> => {
    const status = await step(
      Object.keys(mapping).length ? 'restore a copy' : 'restore',
      async () => {
        await create(client, target.serverNamespace, 'Restore', name, {
          backupName,
          ...(Object.keys(mapping).length ? { namespaceMapping: mapping } : {}),
        });
        return waitFinal(target, 'Restore', name, timeoutMs);
      },
      (s) => `Restore ${name}: ${s.phase}, ${s.progress?.itemsRestored ?? 0} items`,
    );
    const targets = target.namespaces.map((ns) => mapping[ns] ?? ns);
    const comparison = await step(
      'compare',
      async () => compareSnapshots(before, await snapshot(targets), mapping),
      (c) => `${c.matched}/${c.expected} objects equal in ${targets.join(', ')}`,
    );
    restores.push({ name, phase: status.phase ?? '', mapping, comparison });
  };
  await restoreAndCheck(`${backupName}-in-place`, {});
  await restoreAndCheck(
    `${backupName}-copy`,
    Object.fromEntries(target.namespaces.map((ns) => [ns, `${ns}${COPY_SUFFIX}`])),
  );

  return {
    backupName,
    backup: {
      phase: backup.phase ?? '',
      items: backup.progress?.itemsBackedUp ?? 0,
      warnings: backup.warnings ?? 0,
      errors: backup.errors ?? 0,
    },
    restores,
    steps,
    ok: restores.every(
      (r) =>
        r.phase === 'Completed' && r.comparison.missing.length === 0 && r.comparison.differing.length === 0,
    ),
  };
}

/** `20260101-120000`: a name part that sorts by time. */
function stamp(clock: Clock): string {
  return clock.now().toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*$/, '').toLowerCase();
}

async function create(
  client: DynamicClient,
  namespace: string,
  kind: ResourceKind,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await client.create(lifeboatResource(kind), {
    apiVersion: 'lifeboat.io/v1',
    kind,
    metadata: { namespace, name },
    spec,
  });
}

async function waitFinal(
  target: DemoTarget,
  kind: ResourceKind,
  name: string,
  timeoutMs: number,
): Promise<RunStatus> {
  const status = await poll(target, `${kind} ${name} to finish`, timeoutMs, async () => {
    const object = await target.client.get(lifeboatResource(kind), target.serverNamespace, name);
    const status = (object as (KubeObject & { status?: RunStatus }) | undefined)?.status;
    return status?.phase && FINAL_PHASES.has(status.phase) ? status : undefined;
  });
  return status;
}

async function deleteNamespaces(target: DemoTarget, timeoutMs: number): Promise<void> {
  const namespaces = target.catalog.resolve('namespaces');
  if (!namespaces) throw new LifeboatError('NotFound', 'the cluster serves no namespaces');
  for (const ns of target.namespaces) await target.client.delete(namespaces, undefined, ns);
  await poll(target, `namespaces ${target.namespaces.join(', ')} to be gone`, timeoutMs, async () => {
    for (const ns of target.namespaces)
      if (await target.client.get(namespaces, undefined, ns)) return undefined;
    return true;
  });
}

async function poll<T>(
  target: DemoTarget,
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = target.clock.now().getTime() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (target.clock.now().getTime() > deadline)
      throw new LifeboatError(
        'Timeout',
        `gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)}s`,
      );
    await target.clock.sleep(50);
  }
}

function runFailed(kind: string, name: string, status: RunStatus): LifeboatError {
  const why = status.failureReason ?? status.validationErrors?.join('; ') ?? `${status.errors ?? 0} errors`;
  return new LifeboatError('Internal', `${kind} ${name} ended ${status.phase}: ${why}`);
}
