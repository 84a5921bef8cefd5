import type { BackupStorageLocation } from '../../../api/index.ts';
import { renderColumns } from '../../output/columns.ts';
import { formatTimestamp } from '../../output/resources.ts';

/** Velero's `backup-location get` table. */
export function locationTable(locations: readonly BackupStorageLocation[]): string {
  return renderColumns(
    [
      { header: 'NAME' },
      { header: 'PROVIDER' },
      { header: 'BUCKET/PREFIX' },
      { header: 'PHASE' },
      { header: 'LAST VALIDATED' },
      { header: 'ACCESS MODE' },
      { header: 'DEFAULT' },
    ],
    locations.map((l) => [
      l.metadata.name ?? '',
      l.spec.provider,
      l.spec.objectStorage.prefix
        ? `${l.spec.objectStorage.bucket}/${l.spec.objectStorage.prefix}`
        : l.spec.objectStorage.bucket,
      l.status?.phase ?? 'Unknown',
      formatTimestamp(l.status?.lastValidationTime),
      l.spec.accessMode ?? 'ReadWrite',
      l.spec.default ? 'true' : '',
    ]),
  );
}
