import { LABELS } from '../api/index.ts';
import { errorMessage } from '../core/errors.ts';
import type { ApiResourceInfo, KubeObject } from '../kube/types.ts';
import { completedCondition } from './backup.ts';
import { type ControllerContext, patchStatus, setCondition, timestamp } from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';

/** Velero's words, so operators searching for them find the same situation. */
export const ABANDONED_BACKUP_REASON =
  'found a backup with status InProgress during the server starting, mark it as Failed';
export const ABANDONED_RESTORE_REASON =
  'found a restore with status InProgress during the server starting, mark it as Failed';

/**
 * Run by a server when it starts leading, before its controllers: every Backup and Restore still
 * `InProgress` was left by a server that died (only the leader runs them, and this one has run nothing yet),
 * so each becomes `Failed` with a reason saying so, a completion time, a `Completed=False` condition and a
 * Warning Event. Nothing in storage is touched: the engine writes a backup's metadata last, so what a dead
 * run left there never looks like a complete backup. Returns the names failed.
 */
export async function failAbandonedRuns(
  ctx: ControllerContext,
): Promise<{ backups: string[]; restores: string[] }> {
  const backups = await failInProgress(ctx, LIFEBOAT_RESOURCES.Backup, ABANDONED_BACKUP_REASON, (object) =>
    ctx.metrics.backupFinished({
      schedule: object.metadata?.labels?.[LABELS.scheduleName],
      location: (object.spec as { storageLocation?: string } | undefined)?.storageLocation,
      outcome: 'Failed',
    }),
  );
  const restores = await failInProgress(ctx, LIFEBOAT_RESOURCES.Restore, ABANDONED_RESTORE_REASON, (object) =>
    ctx.metrics.restoreFinished({
      schedule: (object.spec as { scheduleName?: string } | undefined)?.scheduleName,
      outcome: 'Failed',
    }),
  );
  return { backups, restores };
}

async function failInProgress(
  ctx: ControllerContext,
  resource: ApiResourceInfo,
  reason: string,
  count: (object: KubeObject) => void,
): Promise<string[]> {
  const abandoned: KubeObject[] = [];
  for await (const page of ctx.client.listPages(resource, { namespace: ctx.namespace }))
    for (const item of page.items)
      if ((item.status as { phase?: string } | undefined)?.phase === 'InProgress') abandoned.push(item);
  const failed: string[] = [];
  for (const object of abandoned) {
    const name = object.metadata?.name ?? '';
    const now = ctx.clock.now();
    const previous = (object.status ?? {}) as { conditions?: never[] };
    const status = { phase: 'Failed', failureReason: reason };
    try {
      await patchStatus(ctx, resource, name, {
        ...status,
        completionTimestamp: timestamp(now),
        conditions: setCondition(previous.conditions, completedCondition(status), now),
      });
    } catch (err) {
      ctx.logger.warn({ kind: resource.kind, name, err: errorMessage(err) }, 'cannot fail an abandoned run');
      continue;
    }
    ctx.events.record(object, 'Warning', 'Failed', reason);
    count(object);
    failed.push(name);
    ctx.logger.warn({ kind: resource.kind, name }, reason);
  }
  return failed;
}
