import type { Logger } from 'pino';
import type { Clock } from '../../../core/clock.ts';
import type { ObjectService, ResourceRef } from '../../apiserver/types.ts';
import type { ResourceCatalog } from './catalog.ts';
import type { EventRecorder } from './events.ts';
import { Informer, type InformerOptions } from './informer.ts';
import type { ClusterRefs } from './resources.ts';

/** Intervals of the simulation; tests shorten them, `lifeboat dev` keeps the real cluster's. */
export type Timing = {
  /** Node Lease renewal (the kubelet's 10 s), measured on the injected clock. */
  leaseRenewMs: number;
  /** Node status heartbeat when nothing changed (the kubelet's 5 min with leases), on the injected clock. */
  nodeStatusMs: number;
  /** Every controller looks at all its objects again this often (real time). */
  resyncMs: number;
  /** How often the kubelet re-checks what it waits for on disk (restore-wait markers) (real time). */
  pollMs: number;
  /** How long a Job container that cannot run on this host pretends to run before exiting 0 (real time). */
  simulatedJobRunMs: number;
  /** First CrashLoopBackOff delay; doubles up to 5 min (real time). */
  crashLoopBaseMs: number;
};

export const defaultTiming: Timing = {
  leaseRenewMs: 10_000,
  nodeStatusMs: 300_000,
  resyncMs: 30_000,
  pollMs: 250,
  simulatedJobRunMs: 1_000,
  crashLoopBaseMs: 10_000,
};

/** Everything a controller of the simulation needs, passed in (no singletons). */
export type ClusterContext = {
  api: ObjectService;
  refs: ClusterRefs;
  clock: Clock;
  logger: Logger;
  events: EventRecorder;
  timing: Timing;
  dataDir: string;
  catalog: ResourceCatalog;
  informers: SharedInformers;
};

/** One informer per resource type for the whole simulation, started on first use. */
export class SharedInformers {
  readonly #api: ObjectService;
  readonly #logger: Logger;
  readonly #informers = new Map<string, Informer>();

  constructor(api: ObjectService, logger: Logger) {
    this.#api = api;
    this.#logger = logger;
  }

  get(ref: ResourceRef, options?: InformerOptions): Informer {
    const id = `${ref.type.group}/${ref.type.resource}`;
    let informer = this.#informers.get(id);
    if (!informer) {
      informer = new Informer(this.#api, ref, this.#logger, options);
      this.#informers.set(id, informer);
      informer.start();
    }
    return informer;
  }

  stop(): void {
    for (const informer of this.#informers.values()) informer.stop();
    this.#informers.clear();
  }
}
