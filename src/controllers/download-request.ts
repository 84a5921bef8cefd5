import { type DownloadRequestStatus, LABELS, validateResource } from '../api/index.ts';
import { errorMessage, isLifeboatError } from '../core/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import { downloadTargetKey } from '../storage/index.ts';
import {
  type ControllerContext,
  patchStatus,
  type ReconcileResult,
  type Reconciler,
  setCondition,
  timestamp,
} from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';

export interface DownloadRequestReconcilerOptions {
  /** How long the URL stays valid (default 10 minutes, as Velero). */
  urlTtlMs?: number;
}

const TEN_MINUTES = 10 * 60_000;

/**
 * The DownloadRequest controller. For a new request it finds the storage location of the target — the
 * Backup's for backup files, the Backup the Restore read for restore files — and asks the location's store
 * for a URL to the target's key (`downloadTargetKey`): a presigned URL for aws and azure, the server's
 * tokenized `/download/<token>` URL for fs. Status: `phase: Processed`, `downloadURL`, `expiration` and a
 * `Ready` condition. When the target or its location cannot be found, the request is Processed without a
 * URL and the `Ready` condition (False, reason `TargetNotFound` or `LocationUnavailable`) says why. Every
 * request is deleted once its expiration has passed.
 */
export class DownloadRequestReconciler implements Reconciler {
  readonly name = 'download-request';
  readonly resource = LIFEBOAT_RESOURCES.DownloadRequest;
  readonly #ctx: ControllerContext;
  readonly #ttlMs: number;

  constructor(ctx: ControllerContext, options: DownloadRequestReconcilerOptions = {}) {
    this.#ctx = ctx;
    this.#ttlMs = options.urlTtlMs ?? TEN_MINUTES;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const request = await ctx.client.get(this.resource, ctx.namespace, name);
    if (request === undefined || request.metadata?.deletionTimestamp) return undefined;
    const status = (request.status ?? {}) as DownloadRequestStatus;
    const now = ctx.clock.now();
    if (status.phase === 'Processed') {
      const expires = Date.parse(status.expiration ?? '');
      if (!Number.isNaN(expires) && expires > now.getTime())
        return { requeueAfterMs: expires - now.getTime() };
      await ctx.client.delete(this.resource, ctx.namespace, name).catch((err: unknown) => {
        if (!isLifeboatError(err, 'NotFound')) throw err;
      });
      return undefined;
    }
    const expiration = new Date(now.getTime() + this.#ttlMs);
    const parsed = validateResource('DownloadRequest', request);
    if (!parsed.ok)
      return this.#unanswered(request, expiration, 'TargetNotFound', 'the request is not valid');
    const { kind, name: target } = parsed.value.spec.target;

    const location = await this.#locationOf(kind, target);
    if ('problem' in location)
      return this.#unanswered(request, expiration, 'TargetNotFound', location.problem);
    const bsl = await ctx.locations.get(location.name);
    if (bsl === undefined)
      return this.#unanswered(
        request,
        expiration,
        'LocationUnavailable',
        `backup storage location "${location.name}" not found`,
      );
    let url: string;
    try {
      const store = await ctx.locations.store(bsl);
      url = await store.signedUrl(downloadTargetKey(kind, target), this.#ttlMs);
    } catch (err) {
      if (isLifeboatError(err) && err.retryable) throw err;
      return this.#unanswered(request, expiration, 'LocationUnavailable', errorMessage(err));
    }
    const conditions = setCondition(
      status.conditions,
      {
        type: 'Ready',
        status: 'True',
        reason: 'URLReady',
        message: `${kind} of ${target} can be downloaded`,
      },
      now,
    );
    await patchStatus(ctx, this.resource, name, {
      phase: 'Processed',
      downloadURL: url,
      expiration: timestamp(expiration),
      conditions,
    });
    ctx.logger.debug({ controller: this.name, request: name, kind, target }, 'download URL issued');
    return { requeueAfterMs: this.#ttlMs };
  }

  /** The location holding the target's files, or why it cannot be told. */
  async #locationOf(kind: string, target: string): Promise<{ name: string } | { problem: string }> {
    const ctx = this.#ctx;
    let backupName = target;
    if (kind.startsWith('Restore')) {
      const restore = await ctx.client.get(LIFEBOAT_RESOURCES.Restore, ctx.namespace, target);
      if (restore === undefined) return { problem: `restore "${target}" not found` };
      backupName = String((restore.spec as { backupName?: string } | undefined)?.backupName ?? '');
      if (backupName === '') return { problem: `restore "${target}" names no backup yet` };
    }
    const backup = await ctx.client.get(LIFEBOAT_RESOURCES.Backup, ctx.namespace, backupName);
    if (backup === undefined) return { problem: `backup "${backupName}" not found` };
    const name =
      (backup.spec as { storageLocation?: string } | undefined)?.storageLocation ||
      backup.metadata?.labels?.[LABELS.storageLocation];
    if (!name) return { problem: `backup "${backupName}" has no storage location yet` };
    return { name };
  }

  async #unanswered(
    request: KubeObject,
    expiration: Date,
    reason: string,
    message: string,
  ): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const conditions = setCondition(
      (request.status as DownloadRequestStatus | undefined)?.conditions,
      { type: 'Ready', status: 'False', reason, message },
      ctx.clock.now(),
    );
    await patchStatus(ctx, this.resource, request.metadata?.name ?? '', {
      phase: 'Processed',
      expiration: timestamp(expiration),
      conditions,
    });
    ctx.events.record(request, 'Warning', reason, message);
    return { requeueAfterMs: this.#ttlMs };
  }
}
