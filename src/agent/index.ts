/**
 * The node agent (`lifeboat node-agent`): one per node, reading and writing pod volume data through the
 * node's kubelet directory into the namespace repositories. See docs/node-agent.md.
 */
export { type NodeAgent, type NodeAgentOptions, startNodeAgent } from './node-agent.ts';
export { POD_VOLUME_BACKUPS, SNAPSHOT_HOSTNAME } from './pod-volume-backup.ts';
export { POD_VOLUME_RESTORES, RESTORE_MARKER_DIR, RESTORE_WAIT_CONTAINER } from './pod-volume-restore.ts';
export { type ResolvedVolume, resolvePodVolume } from './volume-path.ts';
