import type { Backup } from '../../../api/index.ts';
import { formatLabelSelector, labelSelectorFromObject } from '../../../core/selectors/index.ts';
import { renderColumns } from '../../output/columns.ts';
import { formatAge, formatTimestamp } from '../../output/resources.ts';

/** A label selector object in its string form, `<none>` when unset. */
export function selectorText(selector: Backup['spec']['labelSelector']): string {
  if (!selector) return '<none>';
  const text = formatLabelSelector(labelSelectorFromObject(selector));
  return text === '' ? '<none>' : text;
}

/** Velero's `backup get` table: NAME STATUS ERRORS WARNINGS CREATED EXPIRES STORAGE LOCATION SELECTOR. */
export function backupTable(backups: readonly Backup[], now: Date): string {
  return renderColumns(
    [
      { header: 'NAME' },
      { header: 'STATUS' },
      { header: 'ERRORS' },
      { header: 'WARNINGS' },
      { header: 'CREATED' },
      { header: 'EXPIRES' },
      { header: 'STORAGE LOCATION' },
      { header: 'SELECTOR' },
    ],
    backups.map((b) => [
      b.metadata.name ?? '',
      `${b.status?.phase ?? 'New'}${b.spec.dryRun ? ' (dry run)' : ''}`,
      String(b.status?.errors ?? 0),
      String(b.status?.warnings ?? 0),
      formatTimestamp(b.metadata.creationTimestamp),
      b.status?.expiration ? formatAge(new Date(b.status.expiration).getTime() - now.getTime()) : 'n/a',
      b.spec.storageLocation || '<default>',
      selectorText(b.spec.labelSelector),
    ]),
  );
}

/** Newest first, then by name, as `get` lists them. */
export function newestFirst<T extends { metadata: { name?: string; creationTimestamp?: string | null } }>(
  items: T[],
): T[] {
  return [...items].sort(
    (a, b) =>
      (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}
