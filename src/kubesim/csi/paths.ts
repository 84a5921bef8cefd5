import { join } from 'node:path';

/**
 * Where the hostpath CSI driver keeps data under the simulation's data directory. A volume's directory is
 * its backing store; pods see it through the kubelet layout (a symlink), snapshots are full copies.
 */
export function csiVolumeDir(dataDir: string, volumeHandle: string): string {
  return join(dataDir, 'csi', 'volumes', volumeHandle);
}

export function csiSnapshotDir(dataDir: string, snapshotHandle: string): string {
  return join(dataDir, 'csi', 'snapshots', snapshotHandle);
}
