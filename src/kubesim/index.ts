import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Logger, pino } from 'pino';
import { type Clock, systemClock } from '../core/clock.ts';
import { SYSTEM_NAMESPACES } from './apiserver/admission/namespaces.ts';
import { createObjectService, type KubeObjectService } from './apiserver/object-service.ts';
import { type ClusterSimulation, startClusterSimulation } from './cluster/index.ts';
import { FaultInjector } from './http/faults.ts';
import type { PodStreamHandlers } from './http/pod-streams.ts';
import { startApiHttpServer } from './http/server.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { createBuiltinRegistry, type ResourceRegistry } from './registry/registry.ts';
import { createContainerRuntime, createPodStreamHandlers } from './runtime/index.ts';
import type { ContainerRuntime } from './runtime/types.ts';

/**
 * kubesim: an embedded Kubernetes API server, with a simulated cluster behind it, that the real
 * kubectl 1.32 and @kubernetes/client-node accept unchanged. Never imported by production code: only by
 * `lifeboat dev`, tests and benchmarks. Several instances can run side by side in one process.
 */
export type KubesimOptions = {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Simulated nodes (default 1). */
  nodes?: number;
  /** Where the kubeconfig (and node roots, volume data) go; a temporary directory, removed on stop, by default. */
  dataDir?: string;
  clock?: Clock;
  logger?: Logger;
  /** Watch history length in events (default 100,000). */
  watchHistory?: number;
  /** How often watches that allow bookmarks get one (default 5,000 ms). */
  bookmarkIntervalMs?: number;
  /**
   * Run the simulated cluster (nodes, scheduler, kubelets, controllers, CSI driver, container runtime).
   * Default true; false gives a bare API server, for benchmarks of the API alone.
   */
  cluster?: boolean;
  /** How exec'd commands are isolated; see the runtime's `isolation` (default: probe the host). */
  isolation?: 'auto' | 'mount-namespace' | 'none';
};

export type Kubesim = {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  kubeconfigPath: string;
  /** The in-process API: the same semantics as over HTTP, without the HTTP. */
  api: KubeObjectService;
  registry: ResourceRegistry;
  /** Fault injection for reliability tests (latency, errors, dropped watches). */
  faults: FaultInjector;
  /** The simulated nodes and their host roots (where a node agent finds pod volumes); empty without a cluster. */
  nodes: { name: string; rootDir: string }[];
  /** Waits until the simulated controllers have nothing queued; for tests. Resolves at once without a cluster. */
  settled(): Promise<void>;
  /** Closes every connection, watch and timer; removes the data directory if kubesim made it. */
  stop(): Promise<void>;
};

export async function startKubesim(options: KubesimOptions = {}): Promise<Kubesim> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: 'silent' });
  const ownDataDir = options.dataDir === undefined;
  const dataDir = ownDataDir ? mkdtempSync(join(tmpdir(), 'kubesim-')) : resolve(options.dataDir!);
  mkdirSync(dataDir, { recursive: true });

  const registry = createBuiltinRegistry();
  const api = createObjectService({
    registry,
    clock,
    logger: logger.child({ component: 'apiserver' }),
    watchHistory: options.watchHistory,
    bookmarkIntervalMs: options.bookmarkIntervalMs,
    // Without kubelets nothing would finish a graceful pod deletion, so pods then go at once.
    gracefulPodDeletion: options.cluster !== false,
  });
  api.bootstrap(SYSTEM_NAMESPACES);
  const faults = new FaultInjector();

  // The container runtime's log and exec handlers (src/kubesim/runtime/http.ts) plug in here.
  const streams: PodStreamHandlers = {};

  let http: Awaited<ReturnType<typeof startApiHttpServer>>;
  try {
    http = await startApiHttpServer({
      service: api,
      documents: registry,
      faults,
      streams,
      clock,
      logger: logger.child({ component: 'http' }),
      port: options.port,
    });
  } catch (err) {
    api.close();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, http.url);

  let runtime: ContainerRuntime | undefined;
  let cluster: ClusterSimulation | undefined;
  if (options.cluster !== false) {
    runtime = await createContainerRuntime({
      dataDir: join(dataDir, 'runtime'),
      clock,
      isolation: options.isolation,
      logger: logger.child({ component: 'runtime' }),
    });
    Object.assign(
      streams,
      createPodStreamHandlers({ runtime, clock, logger: logger.child({ component: 'pod-streams' }) }),
    );
    cluster = await startClusterSimulation(api, {
      nodes: options.nodes ?? 1,
      dataDir,
      runtime,
      clock,
      logger: logger.child({ component: 'cluster' }),
      resourceTypes: registry,
    });
  }

  let stopping: Promise<void> | undefined;
  return {
    url: http.url,
    kubeconfigPath,
    api,
    registry,
    faults,
    nodes: cluster?.nodes ?? [],
    settled: () => cluster?.settled() ?? Promise.resolve(),
    stop() {
      stopping ??= (async () => {
        await cluster?.stop();
        await runtime?.close();
        api.close();
        faults.close();
        await http.close();
        if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

export type { ObjectService } from './apiserver/types.ts';
export type { FaultRule, FaultVerb } from './http/faults.ts';
export type { PodStreamHandlers } from './http/pod-streams.ts';
