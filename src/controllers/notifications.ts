import type { Logger } from 'pino';
import { ANNOTATIONS, LABELS, type NotificationEvent, validateResource } from '../api/index.ts';
import type { Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import type { ControllerContext, ReconcileResult, Reconciler } from './context.ts';
import { LIFEBOAT_RESOURCES, SECRETS } from './resources.ts';
import { SCHEDULES } from './schedule.ts';
import { backupPhase, FINISHED_BACKUP_PHASES } from './schedule-backups.ts';

/** On a Backup: the outcome its notifications were sent for, so a restart does not send them again. */
export const NOTIFIED_ANNOTATION = ANNOTATIONS.notified;

/** Outcomes notified when a webhook lists none: the ones an operator must act on. */
export const DEFAULT_NOTIFICATION_EVENTS: readonly NotificationEvent[] = ['Failed', 'PartiallyFailed'];

/** The JSON body POSTed to a webhook. */
export interface BackupOutcomeEvent {
  type: 'lifeboat.backup.finished';
  /** The schedule that created the backup ('' for an ad-hoc backup, which only the global webhook sees). */
  schedule: string;
  backup: string;
  namespace: string;
  /** The backup's phase (Completed, PartiallyFailed, Failed, FailedValidation). */
  phase: string;
  /** The outcome the webhooks filter on: FailedValidation counts as Failed. */
  outcome: NotificationEvent;
  errors: number;
  warnings: number;
  failureReason?: string;
  validationErrors?: string[];
  storageLocation?: string;
  startTimestamp?: string;
  completionTimestamp?: string;
}

/** Where to send: the URL and whether it came from a Secret (then it is never logged, as it may hold a token). */
export interface WebhookTarget {
  url: string;
  fromSecret: boolean;
  events: readonly NotificationEvent[];
  /** For logs: `schedule webhook 1`, `global webhook`. */
  label: string;
}

export interface DeliveryOptions {
  clock: Clock;
  logger: Logger;
  /** Attempts in all (default 5). */
  attempts?: number;
  /** Wait before the second attempt, doubled after each (default 1 s). */
  baseDelayMs?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * POSTs `event` as JSON to `target`, trying again with exponential backoff on a network error or a
 * 408/429/5xx answer; other 4xx answers are final. Resolves true once a 2xx arrives, false after giving up.
 * Logs the target's label and origin, never a URL that came from a Secret, nor any URL's path or query.
 */
export async function deliver(
  target: WebhookTarget,
  event: BackupOutcomeEvent,
  options: DeliveryOptions,
): Promise<boolean> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const where = target.fromSecret ? target.label : `${target.label} (${safeOrigin(target.url)})`;
  const log = options.logger.child({ webhook: where, backup: event.backup });
  const body = JSON.stringify(event);
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    let retry = true;
    // One controller per attempt, its listener removed after: a long-lived server signal gathers none.
    const attemptAbort = new AbortController();
    const onAbort = (): void => attemptAbort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => attemptAbort.abort(), options.timeoutMs ?? 10_000);
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'lifeboat-notifier' },
        body,
        signal: attemptAbort.signal,
      });
      await response.body?.cancel();
      if (response.ok) {
        log.info({ attempt, outcome: event.outcome }, 'notification delivered');
        return true;
      }
      problem = `HTTP ${response.status}`;
      retry = response.status === 408 || response.status === 429 || response.status >= 500;
    } catch (err) {
      // A fetch error names the address it could not reach, never the path; still, keep it out for Secret URLs.
      problem = target.fromSecret ? 'request failed' : errorMessage(err);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (!retry || attempt >= attempts || options.signal?.aborted) {
      log.warn({ attempt, problem }, 'notification not delivered; giving up');
      return false;
    }
    log.info({ attempt, problem }, 'notification not delivered yet; retrying');
    await options.clock.sleep((options.baseDelayMs ?? 1000) * 2 ** (attempt - 1), options.signal);
  }
}

/** The counts the notifier feeds; the server's `ServerMetrics` implements it. */
export interface NotificationMetrics {
  notification(schedule: string | undefined, ok: boolean): void;
}

export interface NotificationOptions {
  /** The server's webhook for every backup (`notificationWebhook` in the server config). */
  global?: { url: string; events?: readonly NotificationEvent[] };
  metrics?: NotificationMetrics;
  /** Backups that finished longer ago than this are not notified (synced or old ones; default 1 h). */
  maxAgeMs?: number;
  delivery?: Pick<DeliveryOptions, 'attempts' | 'baseDelayMs' | 'timeoutMs'>;
}

/**
 * Calls webhooks when a backup finishes: the webhooks of the schedule that created it
 * (`spec.notifications.webhooks`, URL given or read from a Secret) and the server's global one, each for the
 * outcomes it lists (Failed and PartiallyFailed by default). Once every target has been tried the backup is
 * annotated `lifeboat.io/notified=<phase>`, so it is not notified twice; backups that finished more than
 * `maxAgeMs` ago (synced from storage, or before this server ran) are skipped without a write.
 */
export class NotificationReconciler implements Reconciler {
  readonly name = 'notifications';
  readonly resource = LIFEBOAT_RESOURCES.Backup;
  readonly #ctx: ControllerContext;
  readonly #o: NotificationOptions;
  readonly #abort = new AbortController();

  constructor(ctx: ControllerContext, options: NotificationOptions = {}) {
    this.#ctx = ctx;
    this.#o = options;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const backup = await ctx.client.get(this.resource, ctx.namespace, name);
    if (!backup || backup.metadata?.deletionTimestamp) return undefined;
    const phase = backupPhase(backup);
    if (!FINISHED_BACKUP_PHASES.has(phase)) return undefined;
    if (backup.metadata?.annotations?.[NOTIFIED_ANNOTATION] === phase) return undefined;

    const event = outcomeEvent(backup, ctx.namespace);
    const finished = new Date(event.completionTimestamp ?? backup.metadata?.creationTimestamp ?? 0);
    const fresh = ctx.clock.now().getTime() - finished.getTime() <= (this.#o.maxAgeMs ?? 3_600_000);
    // Stale ones are left unmarked: one write per old backup at every upgrade would buy nothing.
    if (!fresh) return undefined;
    const targets = (await this.#targets(event.schedule)).filter((t) => t.events.includes(event.outcome));
    const results = await Promise.all(
      targets.map((target) =>
        deliver(target, event, {
          clock: ctx.clock,
          logger: ctx.logger.child({ controller: this.name }),
          signal: this.#abort.signal,
          ...this.#o.delivery,
        }),
      ),
    );
    results.forEach((ok, i) => {
      this.#o.metrics?.notification(event.schedule || undefined, ok);
      if (!ok)
        ctx.events.record(
          backup,
          'Warning',
          'NotificationFailed',
          `could not notify ${targets[i].label} of outcome ${event.outcome}`,
        );
    });
    await ctx.client.patch(this.resource, ctx.namespace, name, 'merge', {
      metadata: { annotations: { [NOTIFIED_ANNOTATION]: phase } },
    });
    return undefined;
  }

  async abortAll(): Promise<void> {
    this.#abort.abort();
  }

  async #targets(scheduleName: string): Promise<WebhookTarget[]> {
    const ctx = this.#ctx;
    const out: WebhookTarget[] = [];
    if (this.#o.global)
      out.push({
        url: this.#o.global.url,
        fromSecret: false,
        events: this.#o.global.events ?? DEFAULT_NOTIFICATION_EVENTS,
        label: 'global webhook',
      });
    if (!scheduleName) return out;
    const object = await ctx.client.get(SCHEDULES, ctx.namespace, scheduleName);
    const parsed = object && validateResource('Schedule', object);
    if (!parsed?.ok) return out;
    const hooks = parsed.value.spec.notifications?.webhooks ?? [];
    for (const [i, hook] of hooks.entries()) {
      const label = `webhook ${i + 1} of schedule ${scheduleName}`;
      const events = hook.events ?? DEFAULT_NOTIFICATION_EVENTS;
      if (hook.url) out.push({ url: hook.url, fromSecret: false, events, label });
      else if (hook.urlSecretRef) {
        const url = await this.#secretValue(hook.urlSecretRef.name, hook.urlSecretRef.key);
        if (url) out.push({ url, fromSecret: true, events, label });
        else ctx.logger.warn({ schedule: scheduleName, webhook: i + 1 }, 'webhook URL Secret or key missing');
      }
    }
    return out;
  }

  async #secretValue(name: string, key: string): Promise<string | undefined> {
    const secret = await this.#ctx.client.get(SECRETS, this.#ctx.namespace, name);
    const data = (secret as { data?: Record<string, string> } | undefined)?.data?.[key];
    return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8').trim();
  }
}

/** The event describing a finished backup. */
export function outcomeEvent(backup: KubeObject, namespace: string): BackupOutcomeEvent {
  const status = (backup.status ?? {}) as {
    phase?: string;
    errors?: number;
    warnings?: number;
    failureReason?: string;
    validationErrors?: string[];
    startTimestamp?: string;
    completionTimestamp?: string;
  };
  const phase = status.phase ?? '';
  const outcome: NotificationEvent =
    phase === 'Completed' ? 'Completed' : phase === 'PartiallyFailed' ? 'PartiallyFailed' : 'Failed';
  return {
    type: 'lifeboat.backup.finished',
    schedule: backup.metadata?.labels?.[LABELS.scheduleName] ?? '',
    backup: backup.metadata?.name ?? '',
    namespace,
    phase,
    outcome,
    errors: status.errors ?? 0,
    warnings: status.warnings ?? 0,
    ...(status.failureReason ? { failureReason: status.failureReason } : {}),
    ...(status.validationErrors?.length ? { validationErrors: status.validationErrors } : {}),
    ...((backup.spec as { storageLocation?: string } | undefined)?.storageLocation
      ? { storageLocation: (backup.spec as { storageLocation: string }).storageLocation }
      : {}),
    ...(status.startTimestamp ? { startTimestamp: status.startTimestamp } : {}),
    ...(status.completionTimestamp ? { completionTimestamp: status.completionTimestamp } : {}),
  };
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}
