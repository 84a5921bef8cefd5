/**
 * The runtime's bookkeeping: one record per pod it was asked to run, one per container of it (its current and
 * previous instance, for logs and restarts), each container's sandbox created on first need, and a queue per pod
 * so that start, stop and restart of its containers never interleave.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { LifeboatError } from '../../core/errors.ts';
import type { KubeObject } from '../registry/types.ts';
import type { ContainerLog } from './log-store.ts';
import { type ContainerKind, type ContainerSpec, findContainer, podIP, podName, podUid } from './pod-spec.ts';
import type { Sandbox, SandboxSpec } from './sandbox.ts';
import type { ContainerMounts, ExecResult, PodMount, StartPodOptions } from './types.ts';

/** One start of a container: its log, and its process unless it is simulated. */
export type Instance = {
  id: string;
  log: ContainerLog;
  simulated: boolean;
  state: 'running' | 'terminated';
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
  child?: ChildProcess;
  stdin?: Writable;
  sandbox?: Sandbox;
  /** Set when the runtime itself stops the instance: its exit is not reported to listeners. */
  stopRequested?: boolean;
  done: Promise<ExecResult>;
  settle: (result: ExecResult) => void;
};

export type ContainerRecord = {
  name: string;
  kind: ContainerKind;
  spec: ContainerSpec;
  mounts: PodMount[];
  current?: Instance;
  previous?: Instance;
  restartCount: number;
  sandbox?: Promise<Sandbox>;
};

export type PodRecord = {
  uid: string;
  /** Host directory of this pod's sandboxes (unique per record, so a restart never shares a teardown). */
  dir: string;
  pod: KubeObject;
  mounts: ContainerMounts;
  options: StartPodOptions;
  containers: Map<string, ContainerRecord>;
  stopping: boolean;
  /** Serialises start/stop/restart of this pod's containers. */
  queue: Promise<unknown>;
};

export type SandboxFactory = (spec: SandboxSpec) => Promise<Sandbox>;

/** The error for a container that is not (or no longer) running. */
export function notRunning(container: string): LifeboatError {
  return new LifeboatError('NotFound', `container not found ("${container}")`);
}

/** Runs `task` after every task queued for the pod before it, whether those succeeded or not. */
export function enqueue<T>(record: PodRecord, task: () => Promise<T>): Promise<T> {
  const run = record.queue.then(task, task);
  record.queue = run.catch(() => {});
  return run;
}

/** The pods of one runtime, by uid. */
export class PodTable {
  readonly #pods = new Map<string, PodRecord>();
  readonly #baseDir: string;
  readonly #factory: SandboxFactory;
  #closed = false;

  constructor(baseDir: string, factory: SandboxFactory) {
    this.#baseDir = baseDir;
    this.#factory = factory;
  }

  get(uid: string): PodRecord | undefined {
    return this.#pods.get(uid);
  }

  uids(): string[] {
    return [...this.#pods.keys()];
  }

  /** Refuses records for new starts from now on; false when it already did. */
  close(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    return true;
  }

  /** Drops the pod's record, unless a new start has replaced it meanwhile. */
  forget(record: PodRecord): void {
    if (this.#pods.get(record.uid) === record) this.#pods.delete(record.uid);
  }

  /** The pod's record, brought up to date with the pod; a fresh one when the pod is unknown or stopping. */
  record(pod: KubeObject, mounts: ContainerMounts, options: StartPodOptions): PodRecord {
    if (this.#closed) throw new LifeboatError('Unavailable', 'the container runtime is closed');
    const uid = podUid(pod);
    if (!uid)
      throw new LifeboatError('Invalid', `pod ${podName(pod)} has no metadata.uid`, {
        field: 'metadata.uid',
      });
    let record = this.#pods.get(uid);
    // A pod being stopped finishes its teardown on its own; starting it again begins afresh.
    if (!record || record.stopping) {
      record = {
        uid,
        dir: join(this.#baseDir, 'pods', `${uid}-${randomBytes(3).toString('hex')}`),
        pod,
        mounts,
        options,
        containers: new Map(),
        stopping: false,
        queue: Promise.resolve(),
      };
      this.#pods.set(uid, record);
    } else {
      record.pod = pod;
      record.mounts = mounts;
      record.options = options;
    }
    return record;
  }

  /** The record of one of the pod's containers; NotFound when the pod spec has no container of that name. */
  container(record: PodRecord, name: string): ContainerRecord {
    let container = record.containers.get(name);
    if (!container) {
      const found = findContainer(record.pod, name);
      if (!found)
        throw new LifeboatError('NotFound', `container ${name} is not valid for pod ${podName(record.pod)}`);
      container = {
        name,
        kind: found.kind,
        spec: found.container,
        mounts: record.mounts[name] ?? [],
        restartCount: 0,
      };
      record.containers.set(name, container);
    }
    return container;
  }

  /** A container whose current instance is running, with its pod; NotFound otherwise. */
  running(uid: string, name: string): { record: PodRecord; container: ContainerRecord } {
    const record = this.#pods.get(uid);
    const container = record?.containers.get(name);
    if (!record || record.stopping || !container || container.current?.state !== 'running')
      throw notRunning(name);
    return { record, container };
  }

  /** The container's sandbox, created on first need (a failed creation is retried by the next caller). */
  sandbox(record: PodRecord, container: ContainerRecord): Promise<Sandbox> {
    if (!container.sandbox) {
      const spec: SandboxSpec = {
        dir: join(record.dir, container.name),
        hostname: podName(record.pod),
        podIP: podIP(record.pod),
        mounts: container.mounts,
      };
      const created = this.#factory(spec);
      container.sandbox = created;
      created.catch(() => {
        if (container.sandbox === created) container.sandbox = undefined;
      });
    }
    return container.sandbox;
  }
}
