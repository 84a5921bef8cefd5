import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerSpec } from './containers.ts';

/**
 * The restore-wait rule. A restore that brings back pod volume data inserts an init container named
 * `restore-wait` whose last argument is the restore's uid and which mounts every volume being restored (as
 * Velero's `velero-restore-helper` does). A real helper blocks until the node agent has written
 * `<volume>/.lifeboat/<restore-uid>` into each of those volumes, then removes the `.lifeboat` directories
 * and exits 0. No such image runs here, so the kubelet plays that helper itself: the pod stays in its init
 * phase until every marker exists.
 */
export const RESTORE_WAIT_CONTAINER = 'restore-wait';
export const RESTORE_MARKER_DIR = '.lifeboat';

/** The restore uid a `restore-wait` container waits for: its last argument (or last command word). */
export function restoreUid(container: ContainerSpec): string | undefined {
  const args = container.args ?? [];
  if (args.length > 0) return args[args.length - 1];
  const command = container.command ?? [];
  return command.length > 1 ? command[command.length - 1] : undefined;
}

/** The marker files the container waits for, one per mounted volume (given each volume's host path). */
export function restoreMarkers(container: ContainerSpec, volumePaths: ReadonlyMap<string, string>): string[] {
  const uid = restoreUid(container);
  if (!uid) return [];
  const markers: string[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const path = volumePaths.get(mount.name);
    if (path) markers.push(join(path, RESTORE_MARKER_DIR, uid));
  }
  return markers;
}

/** True once every marker exists; the `.lifeboat` directories are then removed, as the helper does. */
export async function restoreDone(markers: string[]): Promise<boolean> {
  for (const marker of markers) {
    try {
      await access(marker);
    } catch {
      return false;
    }
  }
  for (const marker of markers) await rm(join(marker, '..'), { recursive: true, force: true });
  return true;
}
