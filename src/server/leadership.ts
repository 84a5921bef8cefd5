import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../kube/types.ts';

/** Who leads, as the server sees it. */
export interface Leadership {
  readonly isLeader: boolean;
  /** Begins campaigning; resolves after the first attempt (the state is then known). */
  start(): Promise<void>;
  /** Stops campaigning; a leader releases the lease so another replica takes over at once. */
  stop(): Promise<void>;
}

export interface LeadershipOptions {
  /** False: this instance leads at once and alone (no Lease). */
  enabled: boolean;
  client: DynamicClient;
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs: number;
  /** A leader that cannot renew for this long steps down. */
  renewDeadlineMs: number;
  retryPeriodMs: number;
  clock: Clock;
  logger: Logger;
  onStateKnown(): void;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  /** Another instance leads. */
  onFollowing(): void;
}

export const LEASES: ApiResourceInfo = {
  group: 'coordination.k8s.io',
  version: 'v1',
  groupVersion: 'coordination.k8s.io/v1',
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  namespaced: true,
  shortNames: [],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  categories: [],
  preferredVersion: 'v1',
  groupResource: 'leases.coordination.k8s.io',
};

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: every retry
 * period the candidate reads the lease; the holder renews it; others take it over only when it has not
 * changed for a whole lease duration as seen by their own clock (so clock skew between machines does not
 * matter), or when it has been released. Writes carry the resourceVersion read, so two candidates never
 * both win. A leader that fails to renew for the renew deadline steps down.
 */
export function createLeadership(options: LeadershipOptions): Leadership {
  return options.enabled ? new LeaseLeadership(options) : new SoleLeadership(options);
}

class SoleLeadership implements Leadership {
  readonly #options: LeadershipOptions;
  #leading = false;
  constructor(options: LeadershipOptions) {
    this.#options = options;
  }
  get isLeader(): boolean {
    return this.#leading;
  }
  async start(): Promise<void> {
    this.#leading = true;
    this.#options.onStateKnown();
    this.#options.onStartedLeading();
  }
  async stop(): Promise<void> {
    this.#leading = false;
  }
}

class LeaseLeadership implements Leadership {
  readonly #o: LeadershipOptions;
  #leading = false;
  #known = false;
  #following = false;
  #observed: { record: string; at: number } | undefined;
  #lastRenew = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #round: Promise<void> | undefined;

  constructor(options: LeadershipOptions) {
    this.#o = options;
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  async start(): Promise<void> {
    await this.#tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#round;
    if (!this.#leading) return;
    this.#leading = false;
    try {
      const lease = await this.#o.client.get(LEASES, this.#o.namespace, this.#o.leaseName);
      const spec = (lease?.spec ?? {}) as LeaseSpec;
      if (lease && spec.holderIdentity === this.#o.identity)
        await this.#o.client.update(LEASES, {
          ...lease,
          spec: {
            ...spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            renewTime: microTime(this.#o.clock.now()),
          },
        });
      this.#o.logger.info({ identity: this.#o.identity }, 'released the lease');
    } catch (err) {
      this.#o.logger.warn({ err: errorMessage(err) }, 'could not release the lease');
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    this.#round = this.#attempt();
    await this.#round;
    this.#round = undefined;
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), this.#o.retryPeriodMs);
  }

  async #attempt(): Promise<void> {
    const now = this.#o.clock.now().getTime();
    try {
      const won = await this.#tryAcquireOrRenew(now);
      if (won) {
        this.#lastRenew = now;
        this.#becomeLeader();
      } else {
        this.#loseIfLeading('another instance holds the lease');
        this.#becomeFollower();
      }
    } catch (err) {
      this.#o.logger.warn({ err: errorMessage(err) }, 'leader election round failed');
      if (this.#leading && now - this.#lastRenew > this.#o.renewDeadlineMs)
        this.#loseIfLeading('could not renew the lease within the renew deadline');
    }
  }

  /** True when this instance holds the lease after the attempt. */
  async #tryAcquireOrRenew(nowMs: number): Promise<boolean> {
    const { client, namespace, leaseName, identity } = this.#o;
    const now = microTime(new Date(nowMs));
    const durationSeconds = Math.max(1, Math.round(this.#o.leaseDurationMs / 1000));
    const lease = await client.get(LEASES, namespace, leaseName);
    if (lease === undefined) {
      try {
        await client.create(LEASES, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: leaseName, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        });
        return true;
      } catch (err) {
        if (isLifeboatError(err, 'AlreadyExists')) return false;
        throw err;
      }
    }
    const spec = (lease.spec ?? {}) as LeaseSpec;
    const record = `${spec.holderIdentity}|${spec.renewTime}|${spec.leaseDurationSeconds}`;
    if (this.#observed?.record !== record) this.#observed = { record, at: nowMs };
    const holder = spec.holderIdentity ?? '';
    const held = holder !== '' && holder !== identity;
    const heldFor = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (held && nowMs - this.#observed.at < heldFor) return false;
    const next: KubeObject = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: now,
        ...(holder === identity
          ? {}
          : { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
      },
    };
    try {
      await client.update(LEASES, next);
      return true;
    } catch (err) {
      if (isLifeboatError(err, 'Conflict')) return false;
      throw err;
    }
  }

  #becomeLeader(): void {
    this.#markKnown();
    if (this.#leading) return;
    this.#leading = true;
    this.#following = false;
    this.#o.logger.info({ identity: this.#o.identity, lease: this.#o.leaseName }, 'became the leader');
    this.#o.onStartedLeading();
  }

  #becomeFollower(): void {
    this.#markKnown();
    if (this.#following) return;
    this.#following = true;
    this.#o.onFollowing();
  }

  #loseIfLeading(why: string): void {
    if (!this.#leading) return;
    this.#leading = false;
    this.#o.logger.warn({ identity: this.#o.identity, why }, 'stopped leading');
    this.#o.onStoppedLeading();
  }

  #markKnown(): void {
    if (this.#known) return;
    this.#known = true;
    this.#o.onStateKnown();
  }
}

/** A Lease's MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
