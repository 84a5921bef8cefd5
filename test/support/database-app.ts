/**
 * The stateful application the CSI end-to-end tests back up: a StatefulSet `db` whose pods each claim a
 * `data` volume, and the files a database would leave in one.
 */
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/kube/types.ts';

/** StatefulSet `db` in `namespace`: `replicas` pods, each with a `data` claim of `storage`. */
export function databaseStatefulSet(namespace: string, replicas: number, storage: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace },
    spec: {
      replicas,
      serviceName: 'db',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: {
          containers: [
            { name: 'db', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/var/lib/db' }] },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
        },
      ],
    },
  };
}

/**
 * Files a database would leave in pod `ordinal`'s volume: `rows` CSV rows, a private key file, a symlink,
 * and a sparse file of `sparseBytes` with data only at both ends.
 */
export function fillDatabaseVolume(dir: string, ordinal: number, rows: number, sparseBytes: number): void {
  mkdirSync(join(dir, 'base'), { recursive: true });
  writeFileSync(
    join(dir, 'base', 'rows.csv'),
    `id,name\n${Array.from({ length: rows }, (_, i) => `${i},row-${ordinal}-${i}`).join('\n')}\n`,
  );
  writeFileSync(join(dir, 'server.key'), `secret-${ordinal}\n`, { mode: 0o600 });
  symlinkSync('base/rows.csv', join(dir, 'current'));
  const fd = openSync(join(dir, 'sparse.img'), 'w');
  writeSync(fd, Buffer.from(`head-${ordinal}`), 0, undefined, 0);
  writeSync(fd, Buffer.from(`tail-${ordinal}`), 0, undefined, sparseBytes - 16);
  closeSync(fd);
}
