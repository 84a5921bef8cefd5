import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { PodMount } from './types.ts';

/**
 * Finds the program a container or exec names, as `execvp` would with the container's PATH, in a given view
 * of the file system, so the runtime can answer like a real one (127 not found, 126 not executable) and
 * decide whether a container's command is something this host can run at all.
 */
export type Resolution = 'ok' | 'not-found' | 'not-executable';

/** Maps a path inside the container to the host path to inspect; undefined when the container has no such path. */
export type PathView = (containerPath: string) => string | undefined;

export async function resolveExecutable(
  name: string,
  pathVariable: string,
  view: PathView,
  workingDir = '/',
): Promise<Resolution> {
  if (name === '') return 'not-found';
  const candidates = name.includes('/')
    ? [posix.resolve(workingDir, name)]
    : pathVariable
        .split(':')
        .filter((d) => d !== '')
        .map((d) => posix.join(posix.resolve(workingDir, d), name));
  let sawNonExecutable = false;
  for (const candidate of candidates) {
    const hostPath = view(candidate);
    if (hostPath === undefined) continue;
    try {
      const st = await stat(hostPath);
      if (st.isFile() && (st.mode & 0o111) !== 0) return 'ok';
      sawNonExecutable = true;
    } catch {
      // not there: try the next directory
    }
  }
  return sawNonExecutable ? 'not-executable' : 'not-found';
}

/** The view through a running sandbox's root, as seen from the host (`/proc/<pid>/root`). */
export function procRootView(pid: number): (containerPath: string) => string {
  return (p) => `/proc/${pid}/root${posix.resolve('/', p)}`;
}

/** Top-level host directories a sandbox mirrors; anything else exists only on the host. */
export const MIRRORED_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'etc'];

/**
 * The view a sandbox will have before it exists: the pod's volumes at their mount paths (the longest match
 * wins), the host's system directories, and nothing else.
 */
export function plannedView(mounts: PodMount[]): PathView {
  const sorted = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  return (p) => {
    const path = posix.resolve('/', p);
    for (const m of sorted) {
      const mp = posix.resolve('/', m.mountPath);
      if (path === mp) return m.hostPath;
      if (path.startsWith(mp === '/' ? '/' : `${mp}/`)) return posix.join(m.hostPath, path.slice(mp.length));
    }
    const top = path.split('/')[1];
    return MIRRORED_DIRS.includes(top) ? path : undefined;
  };
}

/** The host's own view (the fallback runs commands directly on the host). */
export const hostView: PathView = (p) => p;

/** The message a runtime prints when it cannot start the program, as runc words it. */
export function execFailureMessage(name: string, resolution: Exclude<Resolution, 'ok'>): string {
  const why =
    resolution === 'not-found'
      ? name.includes('/')
        ? 'no such file or directory'
        : 'executable file not found in $PATH'
      : 'permission denied';
  return `OCI runtime exec failed: exec failed: unable to start container process: exec: "${name}": ${why}: unknown\n`;
}

/** Exit code for a program that could not be started: 127 when missing, 126 when not executable. */
export function execFailureExitCode(resolution: Exclude<Resolution, 'ok'>): number {
  return resolution === 'not-found' ? 127 : 126;
}
