import type { PluginInfo, ServerStatusRequestStatus } from '../api/index.ts';
import { isLifeboatError } from '../core/errors.ts';
import { LIFEBOAT_VERSION } from '../core/version.ts';
import {
  type ControllerContext,
  patchStatus,
  type ReconcileResult,
  type Reconciler,
  setCondition,
  timestamp,
} from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';

export interface ServerStatusRequestReconcilerOptions {
  /** What the server has loaded: object stores and item actions, as `<domain>/<name>` by kind. */
  plugins?: readonly PluginInfo[];
  /** How long a processed request is kept (default 1 minute, as Velero). */
  ttlMs?: number;
  /** The version reported (default Lifeboat's own). */
  version?: string;
}

/** The object stores built into every server. */
export const BUILTIN_PLUGINS: readonly PluginInfo[] = [
  { name: 'lifeboat.io/aws', kind: 'ObjectStore' },
  { name: 'lifeboat.io/azure', kind: 'ObjectStore' },
  { name: 'lifeboat.io/fs', kind: 'ObjectStore' },
];

/**
 * The ServerStatusRequest controller: answers a new request with the server's version, its plugins and the
 * time (`phase: Processed`), and deletes the request once it has been processed for the TTL.
 */
export class ServerStatusRequestReconciler implements Reconciler {
  readonly name = 'server-status-request';
  readonly resource = LIFEBOAT_RESOURCES.ServerStatusRequest;
  readonly #ctx: ControllerContext;
  readonly #options: ServerStatusRequestReconcilerOptions;

  constructor(ctx: ControllerContext, options: ServerStatusRequestReconcilerOptions = {}) {
    this.#ctx = ctx;
    this.#options = options;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const ttl = this.#options.ttlMs ?? 60_000;
    const request = await ctx.client.get(this.resource, ctx.namespace, name);
    if (request === undefined || request.metadata?.deletionTimestamp) return undefined;
    const status = (request.status ?? {}) as ServerStatusRequestStatus;
    const now = ctx.clock.now();
    if (status.phase === 'Processed') {
      const processed = Date.parse(status.processedTimestamp ?? '');
      const left = Number.isNaN(processed) ? 0 : processed + ttl - now.getTime();
      if (left > 0) return { requeueAfterMs: left };
      await ctx.client.delete(this.resource, ctx.namespace, name).catch((err: unknown) => {
        if (!isLifeboatError(err, 'NotFound')) throw err;
      });
      return undefined;
    }
    const plugins = [...(this.#options.plugins ?? BUILTIN_PLUGINS)].sort(
      (a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
    );
    await patchStatus(ctx, this.resource, name, {
      phase: 'Processed',
      processedTimestamp: timestamp(now),
      serverVersion: this.#options.version ?? LIFEBOAT_VERSION,
      plugins,
      conditions: setCondition(
        status.conditions,
        { type: 'Ready', status: 'True', reason: 'Processed', message: 'the server answered' },
        now,
      ),
    });
    return { requeueAfterMs: ttl };
  }
}
