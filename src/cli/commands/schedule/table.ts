import type { Schedule } from '../../../api/index.ts';
import { renderColumns } from '../../output/columns.ts';
import { formatTimestamp } from '../../output/resources.ts';
import { selectorText } from '../backup/table.ts';

/** What a schedule keeps: `7 daily, 4 weekly`, or its template's TTL when it has no keep rules. */
export function retentionText(schedule: Schedule): string {
  const keep = schedule.spec.keep;
  if (!keep) return `ttl ${schedule.spec.template.ttl || 'default'}`;
  const parts = (['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const)
    .filter((rule) => (keep[rule] ?? 0) > 0)
    .map((rule) => `${keep[rule]} ${rule}`);
  return parts.join(', ');
}

/** Velero's `schedule get` table (NAME STATUS CREATED SCHEDULE … PAUSED) with Lifeboat's TIMEZONE and KEEP. */
export function scheduleTable(schedules: readonly Schedule[]): string {
  return renderColumns(
    [
      { header: 'NAME' },
      { header: 'STATUS' },
      { header: 'CREATED' },
      { header: 'SCHEDULE' },
      { header: 'TIMEZONE' },
      { header: 'KEEP' },
      { header: 'LAST BACKUP' },
      { header: 'SELECTOR' },
      { header: 'PAUSED' },
    ],
    schedules.map((s) => [
      s.metadata.name ?? '',
      s.status?.phase ?? 'New',
      formatTimestamp(s.metadata.creationTimestamp),
      s.spec.schedule,
      s.spec.timezone ?? 'UTC',
      retentionText(s),
      s.status?.lastBackup ? formatTimestamp(s.status.lastBackup) : 'n/a',
      selectorText(s.spec.template.labelSelector),
      String(s.spec.paused ?? false),
    ]),
  );
}
