import { API_VERSION } from '../../api/group.ts';
import { LABELS } from '../../api/labels.ts';
import type { Backup } from '../../api/resources/backup.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { Verdict } from '../csi/list-poller.ts';
import { labelValue } from '../csi/names.ts';

export interface DataUploadRequest {
  backup: Backup;
  /** The server's namespace: DataUploads live there. */
  namespace: string;
  pvc: KubeObject;
  volumeSnapshot: string;
  snapshotClass: string;
  driver: string;
  backupStorageLocation: string;
  /** Go duration: how long the node agent may take (Velero passes the backup's csiSnapshotTimeout). */
  operationTimeout: string;
}

/** The operation id Velero gives a data upload: `du-<backupUID>.<pvcUID>`. */
export const uploadOperationId = (backupUid: string, pvcUid: string): string => `du-${backupUid}.${pvcUid}`;

/** A DataUpload as Velero's CSI PVC action creates it (owned by the Backup, labelled for lookups). */
export function buildDataUpload(req: DataUploadRequest): KubeObject {
  const { backup, pvc } = req;
  const backupName = backup.metadata.name ?? '';
  const backupUid = backup.metadata.uid ?? '';
  const pvcUid = pvc.metadata?.uid ?? '';
  const storageClass = (pvc.spec as { storageClassName?: string } | undefined)?.storageClassName ?? '';
  return {
    apiVersion: API_VERSION,
    kind: 'DataUpload',
    metadata: {
      generateName: `${backupName.slice(0, 57)}-`,
      namespace: req.namespace,
      labels: {
        [LABELS.backupName]: labelValue(backupName),
        [LABELS.backupUid]: backupUid,
        [LABELS.pvcUid]: pvcUid,
        [LABELS.asyncOperationId]: labelValue(uploadOperationId(backupUid, pvcUid)),
      },
      ...(backupUid
        ? {
            ownerReferences: [
              { apiVersion: API_VERSION, kind: 'Backup', name: backupName, uid: backupUid, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      snapshotType: 'CSI',
      csiSnapshot: {
        volumeSnapshot: req.volumeSnapshot,
        storageClass,
        snapshotClass: req.snapshotClass,
        driver: req.driver,
      },
      sourcePVC: pvc.metadata?.name ?? '',
      sourceNamespace: pvc.metadata?.namespace ?? '',
      datamover: backup.spec.datamover ?? '',
      backupStorageLocation: req.backupStorageLocation,
      operationTimeout: req.operationTimeout,
    },
  };
}

export interface UploadOutcome {
  dataUpload: KubeObject;
  snapshotID: string;
  totalBytes?: number;
  incrementalBytes?: number;
  phase: string;
}

/** Done on Completed (with a snapshot id), failed on Failed/Canceled or when the object vanished. */
export function uploadVerdict(object: KubeObject | undefined): Verdict<UploadOutcome> {
  if (!object) return { failed: 'the DataUpload was deleted before it finished' };
  const status = (object.status ?? {}) as {
    phase?: string;
    snapshotID?: string;
    message?: string;
    progress?: { totalBytes?: number };
    incrementalBytes?: number;
  };
  const name = object.metadata?.name ?? '';
  if (status.phase === 'Completed') {
    if (!status.snapshotID) return { failed: `DataUpload ${name} completed without a snapshot id` };
    return {
      done: {
        dataUpload: object,
        snapshotID: status.snapshotID,
        totalBytes: status.progress?.totalBytes,
        incrementalBytes: status.incrementalBytes,
        phase: status.phase,
      },
    };
  }
  if (status.phase === 'Failed' || status.phase === 'Canceled')
    return { failed: `DataUpload ${name} ${status.phase}: ${status.message ?? 'no reason given'}` };
  return undefined;
}
