import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import type { RestoreInput } from '../api/resources/restore.ts';
import { parseResource } from '../api/validation/validate.ts';
import { systemClock } from '../core/clock.ts';
import { connect, type KubeConnection } from '../kube/client.ts';
import { discoverResources } from '../kube/discovery.ts';
import { createDynamicClient } from '../kube/dynamic-client.ts';
import { transportFor } from '../kube/transport.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { createFsObjectStore } from '../storage/fs.ts';
import { backupKeys } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { runRestore } from './engine.ts';
import { buildTarball, type TarballItem } from './test-support.ts';
import type { RestoreDeps, RestoreOutcome } from './types.ts';

/**
 * A kubesim API server, the real dynamic client and discovery, and an fs storage location in a temp dir,
 * for the engine's tests. Tests only.
 */
export class RestoreFixture {
  sim!: Kubesim;
  conn!: KubeConnection;
  client!: DynamicClient;
  catalog!: ResourceCatalog;
  store!: ObjectStore;
  #dir = '';

  async start(): Promise<this> {
    this.sim = await startKubesim({ cluster: false });
    this.conn = connect(this.sim.kubeconfigPath);
    this.client = createDynamicClient(this.conn);
    this.catalog = await discoverResources(this.conn);
    this.#dir = mkdtempSync(join(tmpdir(), 'restore-test-'));
    this.store = createFsObjectStore({ root: this.#dir, durable: false });
    return this;
  }

  async stop(): Promise<void> {
    transportFor(this.conn.config).close();
    await this.sim.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async writeBackup(name: string, items: TarballItem[], tarball?: Buffer): Promise<void> {
    const keys = backupKeys(name);
    await this.store.put(keys.contents, tarball ?? (await buildTarball(items)));
    await this.store.put(
      keys.metadata,
      JSON.stringify({
        apiVersion: 'lifeboat.io/v1',
        kind: 'Backup',
        metadata: { name, namespace: 'lifeboat' },
        spec: {},
        status: { phase: 'Completed', startTimestamp: '2026-01-01T00:00:00Z' },
      }),
    );
  }

  deps(extra: Partial<RestoreDeps> = {}): RestoreDeps {
    return {
      catalog: this.catalog,
      client: this.client,
      store: this.store,
      serverNamespace: 'lifeboat',
      logger: pino({ level: 'silent' }),
      clock: systemClock,
      discover: () => discoverResources(this.conn),
      ...extra,
    };
  }

  run(name: string, spec: RestoreInput['spec'], extra: Partial<RestoreDeps> = {}): Promise<RestoreOutcome> {
    const restore = parseResource('Restore', {
      apiVersion: 'lifeboat.io/v1',
      kind: 'Restore',
      metadata: { name, namespace: 'lifeboat' },
      spec,
    });
    return runRestore(restore, this.deps(extra));
  }

  async get(resource: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const info = this.catalog.resolve(resource) ?? (await discoverResources(this.conn)).resolve(resource);
    if (!info) throw new Error(`unknown resource ${resource}`);
    return this.client.get(info, namespace, name);
  }

  async create(resource: string, object: KubeObject): Promise<KubeObject> {
    const info = this.catalog.resolve(resource);
    if (!info) throw new Error(`unknown resource ${resource}`);
    return this.client.create(info, object);
  }

  async list(resource: string, namespace?: string): Promise<KubeObject[]> {
    const info = this.catalog.resolve(resource);
    if (!info) throw new Error(`unknown resource ${resource}`);
    const out: KubeObject[] = [];
    for await (const page of this.client.listPages(info, { namespace })) out.push(...page.items);
    return out;
  }

  async readGzipJson<T>(key: string): Promise<T> {
    return JSON.parse(gunzipSync(await this.store.getBuffer(key)).toString('utf8')) as T;
  }
}
