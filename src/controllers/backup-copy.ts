import type { Logger } from 'pino';
import {
  type Backup,
  type BackupCopyStatus,
  type BackupStorageLocation,
  validateResource,
} from '../api/index.ts';
import { errorMessage, isLifeboatError, LifeboatError } from '../core/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import { backupKeys, type ObjectStore } from '../storage/index.ts';
import {
  type ControllerContext,
  patchStatus,
  type ReconcileResult,
  type Reconciler,
  timestamp,
} from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';

export interface BackupCopyReconcilerOptions {
  /**
   * How long after a failed copy it is tried again (default 5 minutes), and how long a copy waits for an
   * Unavailable location before looking again.
   */
  retryAfterMs?: number;
}

/** What one copy moved. */
export interface CopiedBackup {
  objects: number;
  bytes: number;
  /** True when the target already held this very backup (same metadata bytes): nothing was written. */
  alreadyThere: boolean;
}

const DEFAULT_RETRY_MS = 5 * 60_000;

/** Phases whose backups are copied: finished, with their metadata object written. */
const COPYABLE = new Set(['Completed', 'PartiallyFailed']);

/**
 * The backup copier: for a Backup that has finished (Completed or PartiallyFailed) and names further
 * locations in `spec.copyTo`, streams every object under `backups/<name>/` of its own location to each of
 * them, the metadata object last, so the target never shows a complete backup that is not (its sync — in
 * this cluster or any other reading that bucket — then makes the backup known there). Progress per target is
 * `status.copies[]` (location, phase New → InProgress → Completed | Failed, start and completion
 * times, message). A target that is missing or ReadOnly fails the copy with that reason; an Unavailable
 * target or source keeps it New and is looked at again after `retryAfterMs`; a failed copy is tried again
 * after `retryAfterMs` too. A target already holding a different backup of that name fails the copy and is
 * left as it is. Copies carry the backup's objects only: volume data in repositories (`restic/`) and CSI
 * snapshots stay where they are.
 */
export class BackupCopyReconciler implements Reconciler {
  readonly name = 'backup-copy';
  readonly resource = LIFEBOAT_RESOURCES.Backup;
  readonly #ctx: ControllerContext;
  readonly #retryMs: number;
  readonly #running = new Map<string, AbortController>();

  constructor(ctx: ControllerContext, options: BackupCopyReconcilerOptions = {}) {
    this.#ctx = ctx;
    this.#retryMs = options.retryAfterMs ?? DEFAULT_RETRY_MS;
  }

  async abortAll(): Promise<void> {
    for (const controller of this.#running.values())
      controller.abort(new LifeboatError('Unavailable', 'the server shut down during the copy'));
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const object = await ctx.client.get(this.resource, ctx.namespace, name);
    if (object === undefined || object.metadata?.deletionTimestamp || this.#running.has(name))
      return undefined;
    const parsed = validateResource('Backup', object);
    if (!parsed.ok) return undefined;
    const backup = parsed.value;
    if (!COPYABLE.has(backup.status?.phase ?? '')) return undefined;
    const source = backup.spec.storageLocation ?? '';
    const wanted = [...new Set(backup.spec.copyTo ?? [])].filter((l) => l !== '' && l !== source);
    if (wanted.length === 0 || source === '') return undefined;

    const controller = new AbortController();
    this.#running.set(name, controller);
    try {
      return await this.#copyAll(backup, source, wanted, controller.signal);
    } finally {
      this.#running.delete(name);
    }
  }

  async #copyAll(
    backup: Backup,
    source: string,
    wanted: string[],
    signal: AbortSignal,
  ): Promise<ReconcileResult | undefined> {
    const ctx = this.#ctx;
    const name = backup.metadata.name ?? '';
    const log = ctx.logger.child({ controller: this.name, backup: name });
    const copies = new Map((backup.status?.copies ?? []).map((c) => [c.location, c]));
    const now = ctx.clock.now().getTime();
    const due: number[] = [];
    for (const location of wanted) {
      const current = copies.get(location);
      if (current?.phase === 'Completed') continue;
      if (current?.phase === 'Failed') {
        const at = Date.parse(current.completionTimestamp ?? '') || 0;
        if (now - at < this.#retryMs) {
          due.push(at + this.#retryMs);
          continue;
        }
      }
      if (signal.aborted) break;
      const next = await this.#copyOne(backup, source, location, signal, log);
      // Written after each target, so a long list shows its progress and a crash loses one copy at most.
      await this.#record(name, [next.status]);
      if (next.retryAt !== undefined) due.push(next.retryAt);
    }
    if (due.length === 0) return undefined;
    return { requeueAfterMs: Math.max(1000, Math.min(...due) - ctx.clock.now().getTime()) };
  }

  /** One target: refused, postponed, copied or failed; never throws. */
  async #copyOne(
    backup: Backup,
    sourceName: string,
    targetName: string,
    signal: AbortSignal,
    log: Logger,
  ): Promise<{ status: BackupCopyStatus; retryAt?: number }> {
    const ctx = this.#ctx;
    const name = backup.metadata.name ?? '';
    const started = ctx.clock.now();
    const fail = (message: string): { status: BackupCopyStatus; retryAt: number } => {
      ctx.events.record(
        backupObject(backup),
        'Warning',
        'CopyFailed',
        `copy to location "${targetName}" failed: ${message}`,
      );
      log.warn({ location: targetName, reason: message }, 'backup copy failed');
      const end = ctx.clock.now();
      return {
        status: {
          location: targetName,
          phase: 'Failed',
          startTimestamp: timestamp(started),
          completionTimestamp: timestamp(end),
          message,
        },
        retryAt: end.getTime() + this.#retryMs,
      };
    };
    const wait = (message: string): { status: BackupCopyStatus; retryAt: number } => ({
      status: { location: targetName, phase: 'New', message },
      retryAt: ctx.clock.now().getTime() + this.#retryMs,
    });

    const target = await ctx.locations.get(targetName);
    if (target === undefined) return fail(`backup storage location "${targetName}" not found`);
    if (target.spec.accessMode === 'ReadOnly')
      return fail(`backup storage location "${targetName}" is ReadOnly`);
    if (target.status?.phase === 'Unavailable')
      return wait(`waiting for backup storage location "${targetName}" to become available`);
    const source = await ctx.locations.get(sourceName);
    if (source === undefined) return fail(`the backup's location "${sourceName}" not found`);
    if (source.status?.phase === 'Unavailable')
      return wait(`waiting for the backup's location "${sourceName}" to become available`);

    await this.#record(name, [
      { location: targetName, phase: 'InProgress', startTimestamp: timestamp(started) },
    ]);
    log.info({ from: sourceName, to: targetName }, 'copying backup');
    try {
      const copied = await copyBackupObjects(
        await this.#store(source),
        await this.#store(target),
        name,
        signal,
      );
      ctx.events.record(
        backupObject(backup),
        'Normal',
        'Copied',
        copied.alreadyThere
          ? `location "${targetName}" already holds this backup`
          : `copied ${copied.objects} objects (${copied.bytes} bytes) to location "${targetName}"`,
      );
      log.info({ to: targetName, ...copied }, 'backup copied');
      return {
        status: {
          location: targetName,
          phase: 'Completed',
          startTimestamp: timestamp(started),
          completionTimestamp: timestamp(ctx.clock.now()),
        },
      };
    } catch (err) {
      // Cut short by a shutdown: not a failure of the copy, which the next server starts again at once.
      if (signal.aborted)
        return {
          status: {
            location: targetName,
            phase: 'New',
            message: 'interrupted by the server shutting down; copied again when it is back',
          },
        };
      return fail(errorMessage(err));
    }
  }

  #store(bsl: BackupStorageLocation): Promise<ObjectStore> {
    return this.#ctx.locations.store(bsl);
  }

  /** Sets these entries of `status.copies` (by location), keeping the others the Backup has now. */
  async #record(name: string, entries: readonly BackupCopyStatus[]): Promise<void> {
    const ctx = this.#ctx;
    const current = await ctx.client.get(this.resource, ctx.namespace, name);
    if (current === undefined) return;
    const merged = new Map<string, BackupCopyStatus>();
    for (const entry of (current.status as { copies?: BackupCopyStatus[] } | undefined)?.copies ?? [])
      merged.set(entry.location, entry);
    for (const entry of entries) merged.set(entry.location, entry);
    // A merge patch replaces a list whole: the full list is sent each time.
    await patchStatus(ctx, this.resource, name, { copies: [...merged.values()] });
  }
}

/**
 * Copies backup `name` from `from` to `to`: every object under `backups/<name>/`, streamed, with the metadata
 * object (`velero-backup.json`) last and byte for byte, so the target holds the same backup. Objects in the
 * target's `backups/<name>/` that the source lacks (a copy cut short, an older attempt) are removed first. A
 * target whose metadata object holds the same bytes already has the backup (nothing is written); one
 * holding different bytes belongs to another backup of that name: `AlreadyExists`, and nothing is touched.
 * The source must hold the metadata object (`NotFound` otherwise). Aborting `signal` stops between objects.
 */
export async function copyBackupObjects(
  from: ObjectStore,
  to: ObjectStore,
  name: string,
  signal?: AbortSignal,
): Promise<CopiedBackup> {
  const keys = backupKeys(name);
  let metadata: Buffer;
  try {
    metadata = await from.getBuffer(keys.metadata);
  } catch (err) {
    if (isLifeboatError(err, 'NotFound'))
      throw new LifeboatError('NotFound', `backup "${name}" has no metadata object in its location`, {
        cause: err,
      });
    throw err;
  }
  let existing: Buffer | undefined;
  try {
    existing = await to.getBuffer(keys.metadata);
  } catch (err) {
    if (!isLifeboatError(err, 'NotFound')) throw err;
  }
  if (existing !== undefined) {
    if (existing.equals(metadata)) return { objects: 0, bytes: 0, alreadyThere: true };
    throw new LifeboatError(
      'AlreadyExists',
      `the target location already holds a different backup named "${name}"`,
    );
  }

  const sources = new Map<string, number>();
  for await (const info of from.list(keys.dir))
    if (info.key !== keys.metadata) sources.set(info.key, info.size);
  const stale: string[] = [];
  for await (const info of to.list(keys.dir)) if (!sources.has(info.key)) stale.push(info.key);
  for (const key of stale) await to.delete(key);

  let bytes = 0;
  for (const [key, size] of sources) {
    signal?.throwIfAborted();
    const body = await from.get(key);
    try {
      await to.put(key, body, { contentLength: size });
    } finally {
      body.destroy();
    }
    bytes += size;
  }
  signal?.throwIfAborted();
  await to.put(keys.metadata, metadata, { contentType: 'application/json' });
  return { objects: sources.size + 1, bytes: bytes + metadata.length, alreadyThere: false };
}

function backupObject(backup: Backup): KubeObject {
  return { apiVersion: 'lifeboat.io/v1', kind: 'Backup', metadata: backup.metadata } as KubeObject;
}
