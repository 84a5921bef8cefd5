import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { type Clock, systemClock } from '../../core/clock.ts';
import type { ObjectService } from '../apiserver/types.ts';
import { Limiter } from '../csi/copy-tree.ts';
import { installHostpathDriver } from '../csi/driver.ts';
import { startPersistentVolumeController } from '../csi/pv-controller.ts';
import { startSnapshotController } from '../csi/snapshot-controller.ts';
import { Kubelet } from '../kubelet/kubelet.ts';
import type { ContainerRuntime } from '../runtime/types.ts';
import { startCronJobController } from './cronjob.ts';
import { startDaemonSetController } from './daemonset.ts';
import { startDeploymentController } from './deployment.ts';
import { startEndpointsController } from './endpoints.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { startJobController } from './job.ts';
import { startNamespaceController } from './namespace.ts';
import { describeNodes, NodeLifecycle } from './nodes.ts';
import { startReplicaSetController } from './replicaset.ts';
import { ResourceCatalog, type ResourceTypeSource } from './runtime/catalog.ts';
import { type ClusterContext, defaultTiming, SharedInformers, type Timing } from './runtime/context.ts';
import type { Controller } from './runtime/controller.ts';
import { EventRecorder } from './runtime/events.ts';
import { resolveRefs } from './runtime/resources.ts';
import { startScheduler } from './scheduler.ts';
import { startStatefulSetController } from './statefulset.ts';

export type ClusterSimulationOptions = {
  /** Number of simulated nodes, `kubesim-node-1`…`kubesim-node-N`. */
  nodes: number;
  /** Node host roots go to `<dataDir>/nodes/<node>/`, CSI volumes and snapshots to `<dataDir>/csi/`. */
  dataDir: string;
  /** Runs containers (real processes where possible); without one every container is simulated. */
  runtime?: ContainerRuntime;
  clock?: Clock;
  logger?: Logger;
  /**
   * All served resource types (the API server's registry: `all()` and `onChange()`), for the namespace
   * controller and the garbage collector; without it, a built-in list plus Established CRDs is used.
   */
  resourceTypes?: ResourceTypeSource;
  /** Shorter intervals for tests; see `Timing`. */
  timing?: Partial<Timing>;
  /** Snapshot and pre-filled-volume copies that may run at once (default 8). */
  copyConcurrency?: number;
};

export type ClusterSimulation = {
  nodes: { name: string; rootDir: string }[];
  /** Waits until every controller's queue is empty (delayed retries aside); for tests. */
  settled(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Starts the simulated cluster on an in-process API: nodes with leases, the scheduler, one kubelet per node,
 * the namespace, garbage-collection, workload (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
 * CronJob) and Endpoints controllers, and the hostpath CSI driver with its provisioner and snapshotter.
 * Every controller reads and writes only through `api`, as a real one does through the API server: informers
 * (list, then watch; relist after a 410) feed keyed work queues, and each reconcile reads current state with
 * live GETs and lists before writing (status through the `status` subresource).
 *
 * On disk, under `dataDir`: `nodes/<node>/` is each node's host root, laid out like a kubelet's
 * (`var/lib/kubelet/pods/<pod-uid>/volumes/<plugin>/<volume>/`, see kubelet/layout.ts; CSI volumes appear
 * there as a `mount` symlink to their backing directory); `csi/volumes/<handle>/` and
 * `csi/snapshots/<handle>/` hold volume and snapshot data.
 *
 * Two rules beyond a real cluster's: a pod's `restore-wait` init container is held until its restore
 * markers exist (kubelet/restore-wait.ts), and a Job container that cannot run on this host (its command is
 * not an executable here) succeeds after `timing.simulatedJobRunMs`.
 */
export async function startClusterSimulation(
  api: ObjectService,
  options: ClusterSimulationOptions,
): Promise<ClusterSimulation> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const clock = options.clock ?? systemClock;
  const refs = resolveRefs(api);
  const timing: Timing = { ...defaultTiming, ...(options.timing ?? {}) };
  mkdirSync(join(options.dataDir, 'csi', 'volumes'), { recursive: true });
  mkdirSync(join(options.dataDir, 'csi', 'snapshots'), { recursive: true });
  const catalog = new ResourceCatalog(api, refs, logger, options.resourceTypes);
  const ctx: ClusterContext = {
    api,
    refs,
    clock,
    logger,
    timing,
    dataDir: options.dataDir,
    catalog,
    events: new EventRecorder(api, refs.events, clock, logger),
    informers: new SharedInformers(api, logger),
  };
  catalog.start();
  const nodes = describeNodes(options.dataDir, options.nodes);
  const lifecycle = new NodeLifecycle(ctx, nodes);
  lifecycle.start();
  installHostpathDriver(ctx, nodes);

  const copies = new Limiter(options.copyConcurrency ?? 8);
  const gc = new GarbageCollector(ctx);
  gc.start();
  const controllers: Controller[] = [
    startNamespaceController(ctx),
    startScheduler(ctx),
    startReplicaSetController(ctx),
    startDeploymentController(ctx),
    startStatefulSetController(ctx),
    startDaemonSetController(ctx),
    startJobController(ctx),
    startCronJobController(ctx),
    startEndpointsController(ctx),
    startPersistentVolumeController(ctx, copies),
    startSnapshotController(ctx, copies),
  ];
  const kubelets = nodes.map((node) => new Kubelet(ctx, node, options.runtime));
  for (const kubelet of kubelets) await kubelet.start();
  options.runtime?.onContainerExit((podUid, container, exitCode) => {
    for (const kubelet of kubelets) kubelet.containerExited(podUid, container, exitCode);
  });

  let stopped = false;
  return {
    nodes: nodes.map((n) => ({ name: n.name, rootDir: n.rootDir })),
    async settled() {
      for (let round = 0; round < 3; round++) {
        await new Promise((resolve) => setImmediate(resolve));
        await Promise.all([
          gc.queue.idle(),
          ...controllers.map((c) => c.queue.idle()),
          ...kubelets.map((k) => k.idle()),
        ]);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      lifecycle.stop();
      await Promise.all(controllers.map((c) => c.stop()));
      await Promise.all(kubelets.map((k) => k.stop()));
      await gc.stop();
      catalog.stop();
      ctx.informers.stop();
    },
  };
}
