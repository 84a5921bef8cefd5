/**
 * End-to-end environment: a kubesim started here, Lifeboat installed into it by the real `lifeboat install`
 * (fs in a temp directory, S3 through s3rver, or Azure through Azurite), and the real server, either in
 * this process or as a child process (`lifeboat server`, which a test may SIGKILL). The CLI runs in this
 * process through `runCli` with captured output, as `src/cli/test-support.ts` does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { ResourceKind } from '../../src/api/index.ts';
import { type Snapshot, takeSnapshot } from '../../src/cli/commands/dev/compare.ts';
import { type CliResult, runCaptured } from '../../src/cli/test-support.ts';
import {
  applyObject,
  connect,
  createDynamicClient,
  discoverResources,
  type KubeConnection,
  lifeboatResource,
} from '../../src/kube/index.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../../src/kube/types.ts';
import { type Kubesim, startKubesim } from '../../src/kubesim/index.ts';
import { parseServerConfig, type ServerConfigInput } from '../../src/server/config.ts';
import { type RunningServer, startServer } from '../../src/server/index.ts';
import { createObjectStore, type ObjectStore } from '../../src/storage/index.ts';

export const SERVER_NAMESPACE = 'lifeboat';
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Where the default location points: what `lifeboat install` is given. */
export interface StorageTarget {
  provider: 'fs' | 'aws' | 'azure';
  bucket: string;
  prefix?: string;
  config: Record<string, string>;
  /** The credentials file's text (aws/azure), stored in the install's Secret. */
  credentials?: string;
}

/** An fs location in a new temp directory; `cleanup` removes it. */
export function fsStorage(bucket = 'backups'): StorageTarget & { root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-fs-'));
  return {
    provider: 'fs',
    bucket,
    config: { root },
    root,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface LifeboatEnvOptions {
  storage: StorageTarget;
  /** Run kubesim's simulated cluster (controllers, kubelets); default false: a bare API server, faster. */
  cluster?: boolean;
  /** Start the server in this process now (default true); otherwise call `startServer` or `startServerChild`. */
  server?: boolean;
  /** Extra server configuration. */
  serverConfig?: Partial<ServerConfigInput>;
}

/** A `lifeboat server` running as a child process. */
export interface ServerChild {
  readonly process: ChildProcess;
  /** What it printed (JSON log lines), for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown, no chance to write anything. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

export interface LifeboatEnv {
  kubesim: Kubesim;
  kubeconfigPath: string;
  conn: KubeConnection;
  client: DynamicClient;
  /** Discovery, read again (after CRDs come and go). */
  catalog(): Promise<ResourceCatalog>;
  /** `lifeboat --kubeconfig <this cluster> …`, in process. */
  cli(...args: string[]): Promise<CliResult>;
  /** The location's store, opened as the server opens it (bucket and prefix applied). */
  store(): Promise<ObjectStore>;
  server: RunningServer | undefined;
  startServer(extra?: Partial<ServerConfigInput>): Promise<RunningServer>;
  /** Starts `lifeboat server` as a child process; resolves once it leads and runs its controllers. */
  startServerChild(args?: string[]): Promise<ServerChild>;
  /** Applies manifests (server-side apply), refreshing discovery after CRDs. */
  apply(objects: readonly KubeObject[]): Promise<void>;
  /** A Lifeboat object's status once its phase is one of `phases` (default: any final phase). */
  waitPhase(
    kind: ResourceKind,
    name: string,
    phases?: readonly string[],
    timeoutMs?: number,
  ): Promise<RunStatus>;
  getLifeboat(kind: ResourceKind, name: string): Promise<(KubeObject & { status?: RunStatus }) | undefined>;
  /** `takeSnapshot` of these namespaces (and named cluster objects). */
  snapshot(
    namespaces: readonly string[],
    clusterObjects?: readonly { resource: string; name: string }[],
  ): Promise<Snapshot>;
  /** Stops the server(s) started here and kubesim. */
  stop(): Promise<void>;
}

/** The status fields of a Backup or Restore the tests look at. */
export type RunStatus = {
  phase?: string;
  errors?: number;
  warnings?: number;
  failureReason?: string;
  validationErrors?: string[];
  progress?: { totalItems?: number; itemsBackedUp?: number; itemsRestored?: number };
  dryRunSummary?: Record<string, unknown>;
};

export const FINAL_PHASES = ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'] as const;

export function silentServerConfig(kubeconfig: string, extra: Partial<ServerConfigInput> = {}) {
  return parseServerConfig({
    namespace: SERVER_NAMESPACE,
    kubeconfig,
    metricsAddress: '127.0.0.1:0',
    leaderElection: false,
    progressInterval: '50ms',
    logLevel: 'silent',
    ...extra,
  });
}

/** Starts kubesim, installs Lifeboat with `lifeboat install` against `options.storage`, and (by default) the server. */
export async function startLifeboatEnv(options: LifeboatEnvOptions): Promise<LifeboatEnv> {
  const kubesim = await startKubesim({ cluster: options.cluster ?? false });
  const kubeconfigPath = kubesim.kubeconfigPath;
  const conn = connect(kubeconfigPath);
  const client = createDynamicClient(conn);
  const cli = (...args: string[]) => runCaptured(['--kubeconfig', kubeconfigPath, ...args]);
  const children: ServerChild[] = [];
  const servers: RunningServer[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-e2e-'));

  const { storage } = options;
  const installArgs = ['install', '--provider', storage.provider, '--bucket', storage.bucket];
  if (storage.prefix) installArgs.push('--prefix', storage.prefix);
  const config = Object.entries(storage.config).map(([k, v]) => `${k}=${v}`);
  if (config.length) installArgs.push('--config', config.join(','));
  if (storage.credentials) {
    const file = join(scratch, 'credentials');
    writeFileSync(file, storage.credentials);
    installArgs.push('--secret-file', file);
  } else installArgs.push('--no-secret');
  const installed = await cli(...installArgs);
  if (installed.code !== 0) {
    await kubesim.stop();
    throw new Error(`lifeboat install failed (${installed.code}): ${installed.stderr}`);
  }

  const env: LifeboatEnv = {
    kubesim,
    kubeconfigPath,
    conn,
    client,
    catalog: () => discoverResources(connect(kubeconfigPath)),
    cli,
    async store() {
      return createObjectStore(
        storage.provider,
        storage.bucket,
        storage.prefix,
        storage.config,
        storage.credentials,
        { env: {} },
      );
    },
    server: undefined,
    async startServer(extra = {}) {
      const server = await startServer(
        silentServerConfig(kubeconfigPath, { ...options.serverConfig, ...extra }),
        {
          logger: pino({ level: 'silent' }),
        },
      );
      servers.push(server);
      env.server = server;
      return server;
    },
    async startServerChild(args = []) {
      const child = await spawnServer(kubeconfigPath, args);
      children.push(child);
      return child;
    },
    async apply(objects) {
      let current = connect(kubeconfigPath);
      for (const object of objects) {
        await applyObject(current, object as Parameters<typeof applyObject>[1]);
        // The object client caches discovery per group version: a new CRD's kinds need a fresh connection.
        if (object.kind === 'CustomResourceDefinition') {
          await waitEstablished(client, await env.catalog(), object.metadata?.name ?? '');
          current = connect(kubeconfigPath);
        }
      }
    },
    async getLifeboat(kind, name) {
      return (await client.get(lifeboatResource(kind), SERVER_NAMESPACE, name)) as
        | (KubeObject & { status?: RunStatus })
        | undefined;
    },
    async waitPhase(kind, name, phases = FINAL_PHASES, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      let last: RunStatus | undefined;
      for (;;) {
        last = (await env.getLifeboat(kind, name))?.status;
        if (last?.phase && phases.includes(last.phase)) return last;
        if (Date.now() > deadline)
          throw new Error(`${kind} ${name} never reached ${phases.join('|')}: ${JSON.stringify(last)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async snapshot(namespaces, clusterObjects = []) {
      return takeSnapshot(client, await env.catalog(), namespaces, { clusterObjects });
    },
    async stop() {
      await Promise.all(children.map((c) => c.stop()));
      await Promise.all(servers.map((s) => s.stop()));
      await kubesim.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  if (options.server !== false) await env.startServer();
  return env;
}

async function waitEstablished(client: DynamicClient, catalog: ResourceCatalog, name: string): Promise<void> {
  const crds = catalog.resolve('customresourcedefinitions.apiextensions.k8s.io');
  if (!crds) throw new Error('no CRD resource');
  for (let i = 0; i < 200; i++) {
    const crd = (await client.get(crds, undefined, name)) as
      | { status?: { conditions?: { type: string; status: string }[] } }
      | undefined;
    if (crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`CRD ${name} never became Established`);
}

/** `node --import tsx src/cli/main.ts server …` against `kubeconfig`, logs captured; resolves when it leads. */
async function spawnServer(kubeconfig: string, args: string[]): Promise<ServerChild> {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith('NODE_TEST') || name === 'NODE_OPTIONS') delete env[name];
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      '--kubeconfig',
      kubeconfig,
      '-n',
      SERVER_NAMESPACE,
      'server',
      '--no-leader-elect',
      '--metrics-address',
      '127.0.0.1:0',
      '--log-level',
      'info',
      ...args,
    ],
    { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lifeboat server did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-64 * 1024);
      if (output.includes('leading: starting controllers')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`lifeboat server exited (${code ?? signal}) before it started:\n${output}`));
    });
  });
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    process: child,
    output: () => output,
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (gone()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
