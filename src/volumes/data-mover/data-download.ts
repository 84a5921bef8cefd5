import { API_VERSION } from '../../api/group.ts';
import { LABELS } from '../../api/labels.ts';
import type { Restore } from '../../api/resources/restore.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { Verdict } from '../csi/list-poller.ts';
import { labelValue } from '../csi/names.ts';

/**
 * On a claim restored through a DataDownload: its `spec.selector.matchLabels` carry this label, so no
 * provisioner fills it with an empty volume (provisioners refuse claims with a selector) and it binds only
 * to the volume the node agent wrote and labelled with the same value. Velero's `velero.io/dynamic-pv-restore`.
 */
export const DYNAMIC_PV_RESTORE_LABEL = LABELS.dynamicPvRestore;

export interface DataDownloadRequest {
  restore: Restore;
  /** The server's namespace: DataDownloads live there. */
  namespace: string;
  /** The claim as it will be created (its target namespace and name). */
  targetNamespace: string;
  targetPvc: string;
  snapshotID: string;
  sourceNamespace: string;
  backupStorageLocation: string;
  datamover?: string;
  snapshotSize?: number;
  operationTimeout: string;
}

export const downloadOperationId = (restoreUid: string, target: string): string =>
  `dd-${restoreUid}.${target}`;

/** A DataDownload as Velero's CSI PVC restorer creates it (owned by the Restore). */
export function buildDataDownload(req: DataDownloadRequest): KubeObject {
  const restoreName = req.restore.metadata.name ?? '';
  const restoreUid = req.restore.metadata.uid ?? '';
  return {
    apiVersion: API_VERSION,
    kind: 'DataDownload',
    metadata: {
      generateName: `${restoreName.slice(0, 57)}-`,
      namespace: req.namespace,
      labels: {
        [LABELS.restoreName]: labelValue(restoreName),
        [LABELS.restoreUid]: restoreUid,
        [LABELS.asyncOperationId]: labelValue(
          downloadOperationId(restoreUid, `${req.targetNamespace}.${req.targetPvc}`),
        ),
      },
      ...(restoreUid
        ? {
            ownerReferences: [
              {
                apiVersion: API_VERSION,
                kind: 'Restore',
                name: restoreName,
                uid: restoreUid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {
      targetVolume: { pvc: req.targetPvc, pv: '', namespace: req.targetNamespace },
      backupStorageLocation: req.backupStorageLocation,
      datamover: req.datamover ?? '',
      snapshotID: req.snapshotID,
      sourceNamespace: req.sourceNamespace,
      operationTimeout: req.operationTimeout,
      ...(req.snapshotSize !== undefined ? { snapshotSize: req.snapshotSize } : {}),
    },
  };
}

/** Done on Completed, failed on Failed/Canceled or when the object vanished. */
export function downloadVerdict(object: KubeObject | undefined): Verdict<KubeObject> {
  if (!object) return { failed: 'the DataDownload was deleted before it finished' };
  const status = (object.status ?? {}) as { phase?: string; message?: string };
  if (status.phase === 'Completed') return { done: object };
  if (status.phase === 'Failed' || status.phase === 'Canceled')
    return {
      failed: `DataDownload ${object.metadata?.name ?? ''} ${status.phase}: ${status.message ?? 'no reason given'}`,
    };
  return undefined;
}
