import { LABELS } from '../api/index.ts';
import type { KubeObject } from '../kube/types.ts';
import type { ControllerContext } from './context.ts';
import { LIFEBOAT_RESOURCES } from './resources.ts';

/**
 * Helpers the schedule, retention and garbage-collection controllers share: listing backups, telling
 * finished ones from running ones, and the name of a scheduled backup.
 */

/** Phases after which a backup no longer changes (and may be collected). */
export const FINISHED_BACKUP_PHASES: ReadonlySet<string> = new Set([
  'Completed',
  'PartiallyFailed',
  'Failed',
  'FailedValidation',
]);

/** Phases that count as a success for retention and notifications. */
export const SUCCESSFUL_BACKUP_PHASES: ReadonlySet<string> = new Set(['Completed', 'PartiallyFailed']);

/** The phase of a backup object ('' before the controller saw it). */
export function backupPhase(backup: KubeObject): string {
  return String((backup.status as { phase?: unknown } | undefined)?.phase ?? '');
}

/** Every Backup in the server's namespace matching `labelSelector` (all when unset). */
export async function listBackups(ctx: ControllerContext, labelSelector?: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for await (const page of ctx.client.listPages(LIFEBOAT_RESOURCES.Backup, {
    namespace: ctx.namespace,
    labelSelector,
  }))
    out.push(...page.items);
  return out;
}

/** The Backups a schedule created (by the `lifeboat.io/schedule-name` label). */
export function listScheduleBackups(ctx: ControllerContext, schedule: string): Promise<KubeObject[]> {
  return listBackups(ctx, `${LABELS.scheduleName}=${schedule}`);
}

/** `<schedule>-<yyyyMMddHHmmss>` in UTC, the name Velero gives a scheduled backup. */
export function scheduledBackupName(schedule: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${schedule}-${stamp}`;
}

/** When a backup was taken: its start, else its creation. */
export function takenAt(backup: KubeObject): Date {
  const status = backup.status as { startTimestamp?: string } | undefined;
  return new Date(status?.startTimestamp ?? backup.metadata?.creationTimestamp ?? 0);
}
