import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.ts';
import { kubeletPodsDir, type SimulatedNode } from '../cluster/nodes.ts';
import { ignoreNotFound, isNotFound } from '../cluster/runtime/api-errors.ts';
import type { ClusterContext } from '../cluster/runtime/context.ts';
import { Controller } from '../cluster/runtime/controller.ts';
import { objectKey, splitKey } from '../cluster/runtime/informer.ts';
import { type Condition, clone, controllerOf, metaTime, setCondition } from '../cluster/runtime/objects.ts';
import type { KubeObject } from '../registry/types.ts';
import type { ContainerRuntime } from '../runtime/types.ts';
import {
  type ContainerRecord,
  type ContainerSpec,
  type ContainerState,
  containerStatus,
  qosClass,
  runsOnHost,
} from './containers.ts';
import { EnvNotReady, resolveEnv } from './env.ts';
import { IpPool } from './ip-pool.ts';
import { kubeletPodDir, type PodVolume, podMounts, volumeHostPath } from './layout.ts';
import { RESTORE_WAIT_CONTAINER, restoreDone, restoreMarkers, restoreUid } from './restore-wait.ts';
import { prepareVolumes, VolumeNotReady } from './volumes.ts';

type PodSpec = {
  nodeName?: string;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  hostNetwork?: boolean;
  containers?: ContainerSpec[];
  initContainers?: ContainerSpec[];
  volumes?: PodVolume[];
};

type PodRecord = {
  uid: string;
  key: string;
  pod: KubeObject;
  claims: Map<string, KubeObject>;
  volumesReady: boolean;
  volumeMessage?: string;
  podIP?: string;
  startTime?: string;
  containers: Map<string, ContainerRecord>;
  initIndex: number;
  mainStarted: boolean;
  runtimeStarted: boolean;
  terminal?: 'Succeeded' | 'Failed';
  stopped: boolean;
  restartDue: Map<string, number>;
  timers: NodeJS.Timeout[];
  env?: Record<string, Record<string, string>>;
  envMessage?: string;
  abort: AbortController;
};

const MAX_BACKOFF_MS = 300_000;
const COMPONENT = 'kubelet';

function stamp(date: Date): string {
  return metaTime(date);
}

/**
 * The kubelet of one simulated node. For each pod bound to its node it prepares the volumes in the kubelet
 * layout (waiting for claims to be Bound), gives the pod an IP from the node's CIDR, runs init containers
 * one by one (a `restore-wait` container is held until its restore markers exist; see restore-wait.ts), then
 * starts the containers through the container runtime, and reports status exactly as a kubelet does: phase,
 * conditions, hostIP/podIP, startTime, qosClass, init and container statuses with states, exit codes,
 * restart counts. Containers whose real process exits are restarted per restartPolicy (with
 * CrashLoopBackOff), or end the pod Succeeded/Failed; Job pods whose containers cannot run on this host
 * succeed after a short simulated run. A pod being deleted is stopped and then deleted with grace 0; the pod's
 * directory goes with it, and directories of pods that no longer exist are removed at start.
 */
export class Kubelet {
  readonly node: SimulatedNode;
  readonly #ctx: ClusterContext;
  readonly #runtime: ContainerRuntime | undefined;
  readonly #records = new Map<string, PodRecord>();
  readonly #byUid = new Map<string, PodRecord>();
  readonly #ips: IpPool;
  readonly #controller: Controller;
  #housekeeping: NodeJS.Timeout | undefined;

  constructor(ctx: ClusterContext, node: SimulatedNode, runtime: ContainerRuntime | undefined) {
    this.#ctx = ctx;
    this.node = node;
    this.#runtime = runtime;
    this.#ips = new IpPool(node.podCIDR);
    this.#controller = new Controller(ctx, `kubelet-${node.name}`, (key) => this.#reconcile(key), 8);
  }

  async start(): Promise<void> {
    const { informers, refs } = this.#ctx;
    const pods = informers.get(refs.pods);
    const mine = (pod: KubeObject): boolean =>
      (pod.spec as PodSpec | undefined)?.nodeName === this.node.name || this.#records.has(objectKey(pod));
    this.#controller.watch(pods, (pod) => (mine(pod) ? objectKey(pod) : undefined));
    // A claim becoming Bound lets pods waiting for it start.
    this.#controller.watch(informers.get(refs.pvcs), (pvc) =>
      [...this.#records.values()]
        .filter((r) => !r.volumesReady && r.pod.metadata.namespace === pvc.metadata.namespace)
        .map((r) => r.key),
    );
    this.#controller.resync(() => [...this.#records.keys()]);
    await this.#removeOrphans();
    // Like the kubelet's housekeeping: directories of pods this node no longer runs are removed.
    this.#housekeeping = setInterval(() => {
      this.#removeOrphans().catch((err) =>
        this.#ctx.logger.warn(
          { node: this.node.name, err: errorMessage(err) },
          'orphaned pod cleanup failed',
        ),
      );
    }, this.#ctx.timing.resyncMs);
    this.#housekeeping.unref();
  }

  /** Called by the runtime when a real container process exits. */
  containerExited(podUid: string, name: string, exitCode: number): void {
    const rec = this.#byUid.get(podUid);
    if (!rec) return;
    this.#onExit(rec, name, exitCode);
  }

  idle(): Promise<void> {
    return this.#controller.queue.idle();
  }

  async stop(): Promise<void> {
    clearInterval(this.#housekeeping);
    await this.#controller.stop();
    for (const rec of this.#records.values()) for (const t of rec.timers) clearTimeout(t);
  }

  async #removeOrphans(): Promise<void> {
    const dir = kubeletPodsDir(this.node.rootDir);
    const live = new Set(
      this.#ctx.informers
        .get(this.#ctx.refs.pods)
        .list()
        .filter((p) => (p.spec as PodSpec | undefined)?.nodeName === this.node.name)
        .map((p) => p.metadata.uid),
    );
    for (const uid of await readdir(dir).catch(() => [] as string[])) {
      if (live.has(uid) || this.#byUid.has(uid)) continue;
      await rm(join(dir, uid), { recursive: true, force: true });
    }
  }

  async #reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const { namespace, name } = splitKey(key);
    const pod = ignoreNotFound(() => this.#ctx.api.get(this.#ctx.refs.pods, namespace, name));
    let rec = this.#records.get(key);
    if (!pod || (pod.spec as PodSpec).nodeName !== this.node.name) {
      if (rec) await this.#teardown(rec);
      return undefined;
    }
    if (rec && rec.uid !== pod.metadata.uid) {
      await this.#teardown(rec);
      rec = undefined;
    }
    if (!rec) {
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') {
        // Finished before this kubelet started: nothing to run, only a deletion to complete.
        if (pod.metadata.deletionTimestamp) this.#deleteNow(pod);
        return undefined;
      }
      rec = this.#newRecord(pod, key);
    }
    rec.pod = pod;
    if (pod.metadata.deletionTimestamp) {
      await this.#terminate(rec);
      return undefined;
    }
    if (rec.terminal) {
      // Finished containers stay with the runtime (their logs readable) until the pod is deleted.
      this.#writeStatus(rec);
      return undefined;
    }
    if (!(await this.#prepare(rec))) {
      this.#writeStatus(rec);
      return { requeueAfterMs: this.#ctx.timing.pollMs * 4 };
    }
    const next = await this.#restartDue(rec);
    const hold = await this.#runInitContainers(rec);
    if (hold !== undefined) {
      this.#writeStatus(rec);
      if (hold > 0) return { requeueAfterMs: Math.min(hold, next?.requeueAfterMs ?? hold) };
      return next;
    }
    if (!rec.terminal && !rec.mainStarted) await this.#startMain(rec);
    this.#writeStatus(rec);
    return next;
  }

  /** Volumes mounted and environment resolved: false while the pod must wait for either. */
  async #prepare(rec: PodRecord): Promise<boolean> {
    if (!rec.volumesReady && (await this.#mountVolumes(rec))) return false;
    if (rec.env) return true;
    try {
      rec.env = resolveEnv(this.#ctx, rec.pod);
      rec.envMessage = undefined;
      return true;
    } catch (err) {
      if (!(err instanceof EnvNotReady)) throw err;
      this.#configError(rec, err.message);
      return false;
    }
  }

  #newRecord(pod: KubeObject, key: string): PodRecord {
    const spec = pod.spec as PodSpec;
    const containers = new Map<string, ContainerRecord>();
    for (const c of spec.initContainers ?? []) {
      containers.set(c.name, {
        name: c.name,
        image: c.image,
        init: true,
        onHost: runsOnHost(c),
        state: { kind: 'waiting', reason: 'PodInitializing' },
        restartCount: 0,
      });
    }
    for (const c of spec.containers ?? []) {
      const reason = (spec.initContainers ?? []).length > 0 ? 'PodInitializing' : 'ContainerCreating';
      containers.set(c.name, {
        name: c.name,
        image: c.image,
        init: false,
        onHost: runsOnHost(c),
        state: { kind: 'waiting', reason },
        restartCount: 0,
      });
    }
    const rec: PodRecord = {
      uid: pod.metadata.uid!,
      key,
      pod,
      claims: new Map(),
      volumesReady: false,
      containers,
      initIndex: 0,
      mainStarted: false,
      runtimeStarted: false,
      stopped: false,
      restartDue: new Map(),
      timers: [],
      abort: new AbortController(),
    };
    this.#records.set(key, rec);
    this.#byUid.set(rec.uid, rec);
    return rec;
  }

  /** Returns a message while the pod must wait for its volumes; undefined once they are in place. */
  async #mountVolumes(rec: PodRecord): Promise<string | undefined> {
    const { api, refs } = this.#ctx;
    const namespace = rec.pod.metadata.namespace!;
    try {
      rec.claims.clear();
      for (const v of (rec.pod.spec as PodSpec).volumes ?? []) {
        const claim = v.persistentVolumeClaim?.claimName;
        if (!claim) continue;
        const pvc = ignoreNotFound(() => api.get(refs.pvcs, namespace, claim));
        if (!pvc) throw new VolumeNotReady(`persistentvolumeclaim "${claim}" not found`);
        const volumeName = (pvc.spec as { volumeName?: string }).volumeName;
        const phase = (pvc.status as { phase?: string } | undefined)?.phase;
        if (!volumeName || phase !== 'Bound')
          throw new VolumeNotReady(`persistentvolumeclaim "${claim}" is not bound`);
        const pv = ignoreNotFound(() => api.get(refs.pvs, undefined, volumeName));
        if (!pv) throw new VolumeNotReady(`persistentvolume "${volumeName}" not found`);
        rec.claims.set(claim, pv);
      }
      await prepareVolumes(this.#ctx, rec.pod, this.node.name, this.node.rootDir, rec.claims);
    } catch (err) {
      if (!(err instanceof VolumeNotReady)) throw err;
      if (rec.volumeMessage !== err.message) {
        rec.volumeMessage = err.message;
        this.#event(rec.pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${err.message}`);
      }
      return err.message;
    }
    rec.volumesReady = true;
    rec.volumeMessage = undefined;
    rec.podIP = (rec.pod.spec as PodSpec).hostNetwork ? this.node.internalIP : this.#ips.allocate(rec.uid);
    rec.startTime =
      (rec.pod.status as { startTime?: string } | undefined)?.startTime ?? stamp(this.#ctx.clock.now());
    return undefined;
  }

  /** Undefined when all init containers are done; otherwise how long to wait before looking again (0: an event will come). */
  async #runInitContainers(rec: PodRecord): Promise<number | undefined> {
    const inits = (rec.pod.spec as PodSpec).initContainers ?? [];
    while (rec.initIndex < inits.length) {
      const spec = inits[rec.initIndex];
      const c = rec.containers.get(spec.name)!;
      if (c.state.kind === 'terminated') {
        if (c.state.exitCode === 0) {
          rec.initIndex++;
          continue;
        }
        if (this.#restartPolicy(rec) === 'Never') {
          rec.terminal = 'Failed';
          return 0;
        }
        return 0;
      }
      if (c.state.kind === 'running') {
        if (spec.name === RESTORE_WAIT_CONTAINER && restoreUid(spec)) {
          if (await restoreDone(restoreMarkers(spec, this.#volumePaths(rec)))) {
            this.#finish(c, 0);
            continue;
          }
          return this.#ctx.timing.pollMs;
        }
        return 0;
      }
      if (c.state.reason === 'CrashLoopBackOff') return 0;
      this.#startInit(rec, spec, c);
    }
    return undefined;
  }

  #volumePaths(rec: PodRecord): Map<string, string> {
    const paths = new Map<string, string>();
    for (const v of (rec.pod.spec as PodSpec).volumes ?? []) {
      const path = volumeHostPath(rec.pod, v, this.node.rootDir, rec.claims);
      if (path) paths.set(v.name, path);
    }
    return paths;
  }

  /** The pod as the runtime sees it: with the IPs this kubelet gave it (the status may not be written yet). */
  #runtimePod(rec: PodRecord): KubeObject {
    const copy = clone(rec.pod);
    copy.status = { ...((copy.status ?? {}) as object), podIP: rec.podIP, hostIP: this.node.internalIP };
    return copy;
  }

  #announce(rec: PodRecord, spec: ContainerSpec): void {
    this.#event(
      rec.pod,
      'Normal',
      'Pulled',
      `Container image "${spec.image ?? ''}" already present on machine`,
    );
    this.#event(rec.pod, 'Normal', 'Created', `Created container: ${spec.name}`);
    this.#event(rec.pod, 'Normal', 'Started', `Started container ${spec.name}`);
  }

  /** Starts one init container; its exit arrives through `#onExit`. */
  #startInit(rec: PodRecord, spec: ContainerSpec, c: ContainerRecord): void {
    c.state = { kind: 'running', startedAt: stamp(this.#ctx.clock.now()) };
    if (spec.name === RESTORE_WAIT_CONTAINER && restoreUid(spec)) return;
    this.#announce(rec, spec);
    const runtime = this.#runtime;
    if (!runtime?.runInitContainer) {
      // Nothing can run it here: an init container that only prepares things counts as done.
      this.#finish(c, 0);
      return;
    }
    const pod = this.#runtimePod(rec);
    void runtime
      .runInitContainer(pod, podMounts(pod, this.node.rootDir, rec.claims), spec.name, {
        resolvedEnv: rec.env,
        signal: rec.abort.signal,
      })
      .then(
        (result) => this.#onExit(rec, spec.name, result.exitCode),
        (err) => {
          this.#ctx.logger.warn(
            { pod: rec.key, container: spec.name, err: errorMessage(err) },
            'init container failed to run',
          );
          this.#onExit(rec, spec.name, 128);
        },
      );
    this.#syncRuntimeInfo(rec);
  }

  /** Takes the runtime's view (real or simulated, container ID) of the pod's containers. */
  #syncRuntimeInfo(rec: PodRecord): void {
    const infos = this.#runtime?.containers?.(rec.uid);
    for (const info of infos ?? []) {
      const c = rec.containers.get(info.name);
      if (!c) continue;
      c.onHost = !info.simulated;
      c.containerID = info.containerID;
    }
  }

  /** Job pods whose containers cannot run here succeed after a short simulated run (KWOK's pod-complete). */
  #simulateJobRun(rec: PodRecord, c: ContainerRecord): void {
    if (c.init || c.onHost || controllerOf(rec.pod)?.kind !== 'Job') return;
    const timer = setTimeout(() => this.#onExit(rec, c.name, 0), this.#ctx.timing.simulatedJobRunMs);
    timer.unref();
    rec.timers.push(timer);
  }

  async #startMain(rec: PodRecord): Promise<void> {
    const specs = (rec.pod.spec as PodSpec).containers ?? [];
    const now = stamp(this.#ctx.clock.now());
    for (const spec of specs) {
      const c = rec.containers.get(spec.name)!;
      c.state = { kind: 'running', startedAt: now };
      if (!this.#runtime) c.onHost = false;
    }
    if (this.#runtime && specs.length > 0) {
      const pod = this.#runtimePod(rec);
      rec.runtimeStarted = true;
      try {
        await this.#runtime.startPod(pod, podMounts(pod, this.node.rootDir, rec.claims), {
          resolvedEnv: rec.env,
        });
      } catch (err) {
        // Shown as the kubelet shows a failed start; the queue retries with backoff.
        for (const spec of specs) {
          rec.containers.get(spec.name)!.state = {
            kind: 'waiting',
            reason: 'RunContainerError',
            message: errorMessage(err),
          };
        }
        this.#writeStatus(rec);
        throw err;
      }
      this.#syncRuntimeInfo(rec);
    }
    rec.mainStarted = true;
    for (const spec of specs) {
      this.#announce(rec, spec);
      this.#simulateJobRun(rec, rec.containers.get(spec.name)!);
    }
  }

  async #restartContainer(rec: PodRecord, spec: ContainerSpec, c: ContainerRecord): Promise<void> {
    c.restartCount++;
    if (c.init) {
      this.#startInit(rec, spec, c);
      return;
    }
    c.state = { kind: 'running', startedAt: stamp(this.#ctx.clock.now()) };
    const runtime = this.#runtime;
    if (runtime) {
      if (runtime.restartContainer) await runtime.restartContainer(rec.uid, spec.name);
      else {
        const pod = this.#runtimePod(rec);
        await runtime.startPod(pod, podMounts(pod, this.node.rootDir, rec.claims), { resolvedEnv: rec.env });
      }
      this.#syncRuntimeInfo(rec);
    }
    this.#announce(rec, spec);
    this.#simulateJobRun(rec, c);
  }

  #configError(rec: PodRecord, message: string): void {
    for (const c of rec.containers.values()) {
      if (c.state.kind === 'waiting')
        c.state = { kind: 'waiting', reason: 'CreateContainerConfigError', message };
    }
    if (rec.envMessage !== message) {
      rec.envMessage = message;
      this.#event(rec.pod, 'Warning', 'Failed', `Error: ${message}`);
    }
  }

  #restartPolicy(rec: PodRecord): 'Always' | 'OnFailure' | 'Never' {
    return (rec.pod.spec as PodSpec).restartPolicy ?? 'Always';
  }

  #finish(c: ContainerRecord, exitCode: number): void {
    const startedAt = c.state.kind === 'running' ? c.state.startedAt : stamp(this.#ctx.clock.now());
    c.state = {
      kind: 'terminated',
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: stamp(this.#ctx.clock.now()),
    };
  }

  #onExit(rec: PodRecord, name: string, exitCode: number): void {
    const c = rec.containers.get(name);
    if (c?.state.kind !== 'running' || rec.stopped || this.#records.get(rec.key) !== rec) return;
    this.#finish(c, exitCode);
    const policy = this.#restartPolicy(rec);
    const restart = policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (c.init) {
      if (exitCode !== 0 && policy !== 'Never') this.#scheduleRestart(rec, c);
    } else if (restart) {
      this.#scheduleRestart(rec, c);
    } else {
      const mains = [...rec.containers.values()].filter((x) => !x.init);
      if (mains.every((x) => x.state.kind === 'terminated')) {
        rec.terminal = mains.every((x) => x.state.kind === 'terminated' && x.state.exitCode === 0)
          ? 'Succeeded'
          : 'Failed';
      }
    }
    this.#controller.queue.add(rec.key);
  }

  #scheduleRestart(rec: PodRecord, c: ContainerRecord): void {
    const delay = Math.min(
      MAX_BACKOFF_MS,
      this.#ctx.timing.crashLoopBaseMs * 2 ** Math.min(c.restartCount, 10),
    );
    c.lastTerminated = c.state as Extract<ContainerState, { kind: 'terminated' }>;
    c.previousContainerID = c.containerID;
    c.state = {
      kind: 'waiting',
      reason: 'CrashLoopBackOff',
      message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name} pod=${rec.pod.metadata.name}_${rec.pod.metadata.namespace}(${rec.uid})`,
    };
    rec.restartDue.set(c.name, Date.now() + delay);
    this.#controller.queue.addAfter(rec.key, delay);
  }

  async #restartDue(rec: PodRecord): Promise<{ requeueAfterMs: number } | undefined> {
    let next: number | undefined;
    const all = [
      ...((rec.pod.spec as PodSpec).initContainers ?? []),
      ...((rec.pod.spec as PodSpec).containers ?? []),
    ];
    for (const [name, due] of rec.restartDue) {
      const wait = due - Date.now();
      if (wait > 0) {
        next = next === undefined ? wait : Math.min(next, wait);
        continue;
      }
      rec.restartDue.delete(name);
      const c = rec.containers.get(name)!;
      const spec = all.find((s) => s.name === name)!;
      await this.#restartContainer(rec, spec, c);
    }
    return next === undefined ? undefined : { requeueAfterMs: next };
  }

  async #stopContainers(rec: PodRecord): Promise<void> {
    if (rec.stopped) return;
    rec.stopped = true;
    rec.abort.abort();
    for (const t of rec.timers) clearTimeout(t);
    for (const c of rec.containers.values()) {
      if (c.state.kind === 'running') {
        this.#event(rec.pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
        this.#finish(c, 0);
      }
    }
    if (this.#runtime && rec.runtimeStarted) {
      // The deletion's grace period, as the kubelet gives it to the runtime (which caps it).
      const grace = rec.pod.metadata.deletionGracePeriodSeconds;
      await this.#runtime.stopPod(rec.uid, grace === undefined ? {} : { gracePeriodMs: grace * 1000 });
    }
  }

  async #terminate(rec: PodRecord): Promise<void> {
    await this.#stopContainers(rec);
    const mains = [...rec.containers.values()].filter((c) => !c.init);
    if (!rec.terminal && rec.mainStarted) {
      rec.terminal = mains.every((c) => c.state.kind === 'terminated' && c.state.exitCode === 0)
        ? 'Succeeded'
        : 'Failed';
    }
    try {
      this.#writeStatus(rec);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.#deleteNow(rec.pod);
  }

  #deleteNow(pod: KubeObject): void {
    ignoreNotFound(() =>
      this.#ctx.api.delete(this.#ctx.refs.pods, pod.metadata.namespace, pod.metadata.name!, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      }),
    );
  }

  async #teardown(rec: PodRecord): Promise<void> {
    this.#records.delete(rec.key);
    this.#byUid.delete(rec.uid);
    try {
      await this.#stopContainers(rec);
    } catch (err) {
      this.#ctx.logger.warn({ pod: rec.key, err: errorMessage(err) }, 'stopping pod failed');
    }
    this.#ips.release(rec.uid);
    // rm never follows symlinks, so a CSI volume's `mount` link goes and its data stays.
    await rm(kubeletPodDir(this.node.rootDir, rec.uid), { recursive: true, force: true });
  }

  #event(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.#ctx.events.record(pod, type, reason, message, COMPONENT, this.node.name);
  }

  #writeStatus(rec: PodRecord): void {
    const pod = rec.pod;
    const spec = pod.spec as PodSpec;
    const now = this.#ctx.clock.now();
    const inits = (spec.initContainers ?? []).map((c) => rec.containers.get(c.name)!);
    const mains = (spec.containers ?? []).map((c) => rec.containers.get(c.name)!);
    const initDone = inits.every((c) => c.state.kind === 'terminated' && c.state.exitCode === 0);
    const phase =
      rec.terminal ??
      (rec.mainStarted &&
      mains.some((c) => c.state.kind !== 'waiting' || c.restartCount > 0 || c.lastTerminated)
        ? 'Running'
        : 'Pending');
    const notReady = mains.filter((c) => c.state.kind !== 'running').map((c) => c.name);
    const previous = (pod.status as { conditions?: Condition[] } | undefined)?.conditions;
    let conditions = setCondition(
      previous,
      { type: 'PodReadyToStartContainers', status: rec.volumesReady && !rec.stopped ? 'True' : 'False' },
      now,
    );
    const completed = rec.terminal !== undefined;
    conditions = setCondition(
      conditions,
      initDone || completed
        ? { type: 'Initialized', status: 'True', ...(completed ? { reason: 'PodCompleted' } : {}) }
        : {
            type: 'Initialized',
            status: 'False',
            reason: 'ContainersNotInitialized',
            message: `containers with incomplete status: [${inits
              .filter((c) => c.state.kind !== 'terminated' || c.state.exitCode !== 0)
              .map((c) => c.name)
              .join(' ')}]`,
          },
      now,
    );
    const readiness: Omit<Condition, 'type' | 'lastTransitionTime'> = completed
      ? { status: 'False', reason: 'PodCompleted' }
      : notReady.length === 0 && rec.mainStarted
        ? { status: 'True' }
        : {
            status: 'False',
            reason: 'ContainersNotReady',
            message: `containers with unready status: [${notReady.join(' ')}]`,
          };
    conditions = setCondition(conditions, { type: 'Ready', ...readiness }, now);
    conditions = setCondition(conditions, { type: 'ContainersReady', ...readiness }, now);
    conditions = setCondition(conditions, { type: 'PodScheduled', status: 'True' }, now);
    const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
    conditions.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
    for (const c of conditions) if (c.lastProbeTime === undefined) c.lastProbeTime = null;
    const status: Record<string, unknown> = {
      phase,
      conditions,
      hostIP: this.node.internalIP,
      hostIPs: [{ ip: this.node.internalIP }],
      ...(rec.podIP ? { podIP: rec.podIP, podIPs: [{ ip: rec.podIP }] } : {}),
      ...(rec.startTime ? { startTime: rec.startTime } : {}),
      qosClass: qosClass([...(spec.initContainers ?? []), ...(spec.containers ?? [])]),
      containerStatuses: mains.map((c) => containerStatus(rec.uid, c)),
      ...(inits.length > 0 ? { initContainerStatuses: inits.map((c) => containerStatus(rec.uid, c)) } : {}),
    };
    this.#ctx.api.patch(
      this.#ctx.refs.pods,
      pod.metadata.namespace,
      pod.metadata.name!,
      'merge',
      { status },
      { subresource: 'status' },
    );
  }
}
