import type { Restore } from '../../../api/index.ts';
import { renderColumns } from '../../output/columns.ts';
import { formatTimestamp } from '../../output/resources.ts';
import { selectorText } from '../backup/table.ts';

/** Velero's `restore get` table. */
export function restoreTable(restores: readonly Restore[]): string {
  return renderColumns(
    [
      { header: 'NAME' },
      { header: 'BACKUP' },
      { header: 'STATUS' },
      { header: 'STARTED' },
      { header: 'COMPLETED' },
      { header: 'ERRORS' },
      { header: 'WARNINGS' },
      { header: 'CREATED' },
      { header: 'SELECTOR' },
    ],
    restores.map((r) => [
      r.metadata.name ?? '',
      r.spec.backupName || (r.spec.scheduleName ? `<schedule ${r.spec.scheduleName}>` : ''),
      r.status?.phase ?? 'New',
      formatTimestamp(r.status?.startTimestamp),
      formatTimestamp(r.status?.completionTimestamp),
      String(r.status?.errors ?? 0),
      String(r.status?.warnings ?? 0),
      formatTimestamp(r.metadata.creationTimestamp),
      selectorText(r.spec.labelSelector),
    ]),
  );
}
