import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { type Clock, systemClock } from '../core/clock.ts';
import { connect, createDynamicClient, discoverResources, type KubeConnection } from '../kube/index.ts';
import { ensureCrds } from '../kube/lifeboat-client.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import type { FsUrlSigner } from '../storage/index.ts';
import type { ControllerContext, EventSink, RunMetrics } from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';
import { StorageLocations } from './storage-locations.ts';

/**
 * Test support for the reconcilers (imported by tests only): a controller context over a running kubesim
 * (the test starts it and passes its kubeconfig, since only tests may import kubesim), with Lifeboat's CRDs
 * installed, the server namespace created, and fs buckets in a temporary directory.
 */

export interface RecordedEvent {
  kind?: string;
  name?: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Keeps the events in memory, for assertions. */
export class RecordingEvents implements EventSink {
  readonly events: RecordedEvent[] = [];
  record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ kind: object.kind, name: object.metadata?.name, type, reason, message });
  }
  reasons(name: string): string[] {
    return this.events.filter((e) => e.name === name).map((e) => e.reason);
  }
}

/** Counts every metric call by method and outcome, for assertions. */
export class RecordingMetrics implements RunMetrics {
  readonly calls: { method: string; args: unknown }[] = [];
  backupStarted(labels: object): void {
    this.calls.push({ method: 'backupStarted', args: labels });
  }
  backupFinished(finish: object): void {
    this.calls.push({ method: 'backupFinished', args: finish });
  }
  restoreStarted(labels: object): void {
    this.calls.push({ method: 'restoreStarted', args: labels });
  }
  restoreFinished(finish: object): void {
    this.calls.push({ method: 'restoreFinished', args: finish });
  }
  deletionAttempted(labels: object): void {
    this.calls.push({ method: 'deletionAttempted', args: labels });
  }
  deletionFinished(labels: object, ok: boolean): void {
    this.calls.push({ method: 'deletionFinished', args: { ...labels, ok } });
  }
  locationAvailability(location: string, available: boolean): void {
    this.calls.push({ method: 'locationAvailability', args: { location, available } });
  }
  locationRemoved(location: string): void {
    this.calls.push({ method: 'locationRemoved', args: { location } });
  }
  of(method: string): unknown[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }
}

export interface ControllerTestEnv {
  conn: KubeConnection;
  client: DynamicClient;
  catalog: ResourceCatalog;
  ctx: ControllerContext;
  events: RecordingEvents;
  metrics: RecordingMetrics;
  /** The directory holding fs buckets (`config.root` of fs locations). */
  root: string;
  namespace: string;
  /** Creates an fs BackupStorageLocation over bucket `bucket` (default: the location's name). */
  createFsLocation(
    name: string,
    extra?: { prefix?: string; default?: boolean; accessMode?: string },
  ): Promise<void>;
  create(kind: keyof typeof LIFEBOAT_RESOURCES, object: KubeObject): Promise<KubeObject>;
  get(kind: keyof typeof LIFEBOAT_RESOURCES, name: string): Promise<KubeObject | undefined>;
  close(): Promise<void>;
}

export interface ControllerTestOptions {
  namespace?: string;
  clock?: Clock;
  logger?: Logger;
  fsSigner?: (location: string) => FsUrlSigner;
}

/** Installs the CRDs into the kubesim behind `kubeconfigPath` and builds a controller context over it. */
export async function controllerTestEnv(
  kubeconfigPath: string,
  options: ControllerTestOptions = {},
): Promise<ControllerTestEnv> {
  const namespace = options.namespace ?? 'lifeboat';
  const logger = options.logger ?? pino({ level: 'silent' });
  const conn = connect(kubeconfigPath);
  const client = createDynamicClient(conn, { retry: { baseDelayMs: 5, maxDelayMs: 50 } });
  const bootstrap = await discoverResources(conn);
  await ensureCrds(client);
  const namespaces = bootstrap.resolve('namespaces')!;
  if ((await client.get(namespaces, undefined, namespace)) === undefined)
    await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const catalog = await discoverResources(conn);
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-controllers-'));
  const events = new RecordingEvents();
  const metrics = new RecordingMetrics();
  const locations = new StorageLocations({
    client,
    namespace,
    defaultLocation: 'default',
    fsSigner: options.fsSigner,
    logger,
  });
  const ctx: ControllerContext = {
    client,
    namespace,
    clock: options.clock ?? systemClock,
    logger,
    events,
    metrics,
    locations,
    discover: () => discoverResources(conn),
  };
  return {
    conn,
    client,
    catalog,
    ctx,
    events,
    metrics,
    root,
    namespace,
    async createFsLocation(name, extra = {}) {
      await client.create(LIFEBOAT_RESOURCES.BackupStorageLocation, {
        apiVersion: 'lifeboat.io/v1',
        kind: 'BackupStorageLocation',
        metadata: { name, namespace },
        spec: {
          provider: 'fs',
          objectStorage: { bucket: name, ...(extra.prefix ? { prefix: extra.prefix } : {}) },
          config: { root },
          ...(extra.default !== undefined ? { default: extra.default } : {}),
          ...(extra.accessMode ? { accessMode: extra.accessMode } : {}),
        },
      });
    },
    create: (kind, object) =>
      client.create(LIFEBOAT_RESOURCES[kind], {
        apiVersion: 'lifeboat.io/v1',
        kind,
        ...object,
        metadata: { namespace, ...object.metadata },
      }),
    get: (kind, name) => client.get(LIFEBOAT_RESOURCES[kind], namespace, name),
    async close() {
      await locations.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 20 ms until it returns a value, failing after `timeoutMs` with `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
