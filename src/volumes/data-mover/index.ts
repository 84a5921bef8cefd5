/**
 * Snapshot data movement: the DataUpload a backup creates for a ready CSI snapshot (a node agent copies
 * the snapshot's data into the location's repository) and the DataDownload a restore creates for a claim
 * (a node agent writes the data into a fresh volume and hands it to the claim). This module builds the
 * objects and reads their outcome; the CSI snapshotter creates them and waits.
 */
export {
  buildDataDownload,
  type DataDownloadRequest,
  DYNAMIC_PV_RESTORE_LABEL,
  downloadVerdict,
} from './data-download.ts';
export { buildDataUpload, type DataUploadRequest, type UploadOutcome, uploadVerdict } from './data-upload.ts';
