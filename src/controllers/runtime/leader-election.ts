import type { Logger } from 'pino';
import { type Clock, systemClock } from '../../core/clock.ts';
import { errorMessage, isLifeboatError } from '../../core/errors.ts';
import { sleepUnlessAborted } from '../../kube/abortable-sleep.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../../kube/types.ts';

/** coordination.k8s.io/v1 Leases. */
export const LEASES_RESOURCE: ApiResourceInfo = {
  group: 'coordination.k8s.io',
  version: 'v1',
  groupVersion: 'coordination.k8s.io/v1',
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  namespaced: true,
  shortNames: [],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  categories: [],
  preferredVersion: 'v1',
  groupResource: 'leases.coordination.k8s.io',
};

export type LeaderElectionOptions = {
  client: DynamicClient;
  namespace: string;
  /** The Lease's name (`lifeboat-server`, say). */
  name: string;
  /** This candidate's identity, unique among candidates (pod name + a random suffix). */
  identity: string;
  /** How long a leader's claim lasts without renewal (default 15 s, as client-go). */
  leaseDurationMs?: number;
  /** A leader that cannot renew for this long steps down (default 10 s; less than the lease duration). */
  renewDeadlineMs?: number;
  /** Wait between tries to acquire or renew (default 2 s). */
  retryPeriodMs?: number;
  clock?: Clock;
  logger: Logger;
};

export type LeaderCallbacks = {
  /** Called on becoming the leader; `signal` aborts when leadership ends. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called when leadership ends (lost, or released by `stop`). */
  onStoppedLeading?: () => void | Promise<void>;
  /** Called when another candidate is seen to hold the lease. */
  onNewLeader?: (identity: string) => void;
};

type LeaseSpec = {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
};
type Lease = KubeObject & { spec?: LeaseSpec };

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: a candidate takes the
 * Lease when it is free (no holder) or when its record has not changed for a whole lease duration *by this
 * candidate's own clock* (so clock skew between machines does not matter); the leader renews every retry
 * period and steps down if it cannot renew within the renew deadline. Writes are optimistic (resourceVersion),
 * so two candidates never both win. `stop()` releases the Lease (empty holder) so another takes over at once;
 * a candidate that dies without releasing is replaced once its lease duration passes.
 */
export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectionOptions, 'clock'>> & { clock: Clock };
  #observed: { record: string; atMs: number } | undefined;
  #leader = false;
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  #lastLease: Lease | undefined;
  #currentLeader = '';
  #callbacksNewLeader: ((identity: string) => void) | undefined;

  constructor(options: LeaderElectionOptions) {
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      ...options,
      clock: options.clock ?? systemClock,
    };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationMs) {
      throw new RangeError('renewDeadlineMs must be less than leaseDurationMs');
    }
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** The identity last seen holding the Lease ('' when none). */
  get leader(): string {
    return this.#currentLeader;
  }

  /**
   * Campaigns until this candidate leads, leads until it loses the Lease or `stop()` is called, then resolves.
   * A candidate that lost leadership does not campaign again: its process should exit, as with client-go.
   */
  run(callbacks: LeaderCallbacks): Promise<void> {
    this.#running ??= this.#run(callbacks);
    return this.#running;
  }

  /** Stops campaigning or leading; a leader releases the Lease. Resolves when `run` has ended. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  async #run(callbacks: LeaderCallbacks): Promise<void> {
    const signal = this.#stop.signal;
    this.#callbacksNewLeader = callbacks.onNewLeader;
    const log = this.#o.logger.child({
      lease: `${this.#o.namespace}/${this.#o.name}`,
      identity: this.#o.identity,
    });
    // Campaign.
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(log)) break;
      if (!(await sleepUnlessAborted(this.#o.clock, this.#jittered(), signal))) return;
    }
    if (signal.aborted) return;
    this.#leader = true;
    log.info('became the leader');
    const leading = new AbortController();
    const work = Promise.resolve()
      .then(() => callbacks.onStartedLeading(leading.signal))
      .catch((err) => log.error({ err: errorMessage(err) }, 'the leader’s work failed'));
    // Renew until the deadline passes without a renewal, or stop.
    let lastRenewMs = this.#o.clock.now().getTime();
    while (!signal.aborted) {
      if (!(await sleepUnlessAborted(this.#o.clock, this.#o.retryPeriodMs, signal))) break;
      if (await this.#tryAcquireOrRenew(log)) {
        lastRenewMs = this.#o.clock.now().getTime();
        continue;
      }
      if (!this.#leader) break; // someone else holds it now
      if (this.#o.clock.now().getTime() - lastRenewMs >= this.#o.renewDeadlineMs) {
        log.warn('could not renew the lease before the deadline');
        break;
      }
    }
    this.#leader = false;
    leading.abort();
    if (signal.aborted) await this.#release(log);
    log.info('stopped leading');
    try {
      await callbacks.onStoppedLeading?.();
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'onStoppedLeading failed');
    }
    await work;
  }

  /** One try; true when this candidate holds the Lease afterwards. */
  async #tryAcquireOrRenew(log: Logger): Promise<boolean> {
    const { client, namespace, name, identity } = this.#o;
    const now = this.#o.clock.now();
    const durationSeconds = Math.max(1, Math.ceil(this.#o.leaseDurationMs / 1000));
    try {
      const current = (await client.get(LEASES_RESOURCE, namespace, name)) as Lease | undefined;
      if (!current) {
        const created = await client.create(LEASES_RESOURCE, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        this.#remember(created as Lease, now);
        return true;
      }
      const spec = current.spec ?? {};
      const record = JSON.stringify([
        spec.holderIdentity,
        spec.renewTime,
        spec.acquireTime,
        spec.leaseDurationSeconds,
      ]);
      if (!this.#observed || this.#observed.record !== record)
        this.#observed = { record, atMs: now.getTime() };
      const holder = spec.holderIdentity ?? '';
      if (holder !== this.#currentLeader) {
        this.#currentLeader = holder;
        if (holder && holder !== identity) this.#onNewLeader(holder, log);
      }
      const heldByOther = holder !== '' && holder !== identity;
      const theirDurationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (heldByOther && this.#observed.atMs + theirDurationMs > now.getTime()) {
        this.#leader = false;
        return false;
      }
      const mine = holder === identity;
      const updated = await client.update(LEASES_RESOURCE, {
        ...current,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: mine ? spec.acquireTime : microTime(now),
          renewTime: microTime(now),
          leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
        },
      });
      this.#remember(updated as Lease, now);
      return true;
    } catch (err) {
      // A Conflict or AlreadyExists means another candidate wrote first: it won this round.
      if (!isLifeboatError(err, 'Conflict') && !isLifeboatError(err, 'AlreadyExists')) {
        log.warn({ err: errorMessage(err) }, 'could not acquire or renew the lease');
      }
      return false;
    }
  }

  #onNewLeader(holder: string, log: Logger): void {
    log.info({ leader: holder }, 'another candidate leads');
    this.#callbacksNewLeader?.(holder);
  }

  #remember(lease: Lease, now: Date): void {
    this.#lastLease = lease;
    this.#currentLeader = this.#o.identity;
    const spec = lease.spec ?? {};
    this.#observed = {
      record: JSON.stringify([
        spec.holderIdentity,
        spec.renewTime,
        spec.acquireTime,
        spec.leaseDurationSeconds,
      ]),
      atMs: now.getTime(),
    };
  }

  /** Gives the Lease up so the next candidate need not wait out the duration. */
  async #release(log: Logger): Promise<void> {
    const lease = this.#lastLease;
    if (!lease) return;
    try {
      await this.#o.client.update(LEASES_RESOURCE, {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: null,
          acquireTime: null,
          renewTime: null,
          leaseDurationSeconds: 1,
        },
      });
      log.info('released the lease');
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'could not release the lease');
    }
  }

  #jittered(): number {
    return Math.round(this.#o.retryPeriodMs * (1 + 0.2 * Math.random()));
  }
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}
