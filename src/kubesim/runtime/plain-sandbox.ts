import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { LifeboatError } from '../../core/errors.ts';
import { hostView } from './executable.ts';
import { signalGroup } from './process.ts';
import type { Sandbox, SandboxSpec, SpawnRequest } from './sandbox.ts';

/**
 * The fallback for hosts that cannot make mount namespaces (no root, a locked-down container): processes run
 * on the host itself, in a per-container directory `<dir>/rootfs` where each volume's mount path is a symlink
 * to its host directory. Absolute paths in commands therefore mean the host's paths; scripts reach volumes
 * through `$KUBESIM_ROOT/<mountPath>` or `$KUBESIM_VOLUME_<NAME>` (the volume name upper-cased, non
 * alphanumerics as `_`).
 */

/** The environment variable naming a volume's host directory in the fallback. */
export function volumeVariable(volume: string): string {
  return `KUBESIM_VOLUME_${volume.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export async function createPlainSandbox(spec: SandboxSpec): Promise<Sandbox> {
  const rootfs = join(spec.dir, 'rootfs');
  await mkdir(rootfs, { recursive: true });
  const volumeEnv: Record<string, string> = { KUBESIM_ROOT: rootfs };
  for (const m of spec.mounts) {
    const link = join(rootfs, posix.resolve('/', m.mountPath));
    await mkdir(dirname(link), { recursive: true });
    await mkdir(m.hostPath, { recursive: true }).catch(() => {});
    await symlink(m.hostPath, link).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    volumeEnv[volumeVariable(m.volume)] = m.hostPath;
  }
  const live = new Set<ChildProcess>();
  let destroyed = false;
  return {
    isolation: 'none',
    view: hostView,
    async spawn(request: SpawnRequest): Promise<ChildProcess> {
      if (destroyed) throw new LifeboatError('Unavailable', 'the sandbox has been torn down');
      const cwd = join(rootfs, posix.resolve('/', request.workingDir ?? '/'));
      await mkdir(cwd, { recursive: true });
      const [file, ...args] = request.argv;
      const child = spawn(file, args, {
        cwd,
        env: { ...request.env, ...volumeEnv },
        stdio: [
          request.stdin ? 'pipe' : 'ignore',
          request.stdout ? 'pipe' : 'ignore',
          request.stderr ? 'pipe' : 'ignore',
        ],
        detached: true,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      live.add(child);
      child.once('exit', () => live.delete(child));
      return child;
    },
    signal(child, signal) {
      signalGroup(child.pid, signal);
    },
    kill(child) {
      signalGroup(child.pid, 'SIGKILL');
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      const exits = [...live].map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())));
      for (const c of live) signalGroup(c.pid, 'SIGKILL');
      await Promise.all(exits);
      await rm(spec.dir, { recursive: true, force: true });
    },
  };
}
