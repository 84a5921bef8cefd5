/**
 * Whether this host can build namespace sandboxes, decided once when the runtime is created by actually
 * building one: tool checks alone miss kernels or containers that forbid the mounts, and a runtime that picks
 * isolation it cannot deliver would fail on every pod instead of falling back.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.ts';
import { createNamespaceSandbox, findNamespaceTools, type NamespaceTools } from './namespace-sandbox.ts';
import { closed } from './process.ts';

/**
 * Finds how this host can build namespace sandboxes: as root directly, else (or when asked) inside a user
 * namespace. Returns the tools of the first way that works, or why none does.
 */
export async function probeNamespaceSandbox(
  baseDir: string,
  forceRootless: boolean,
): Promise<NamespaceTools | string> {
  if (process.platform !== 'linux') return `platform ${process.platform} has no mount namespaces`;
  const asRoot = process.getuid?.() === 0 && !forceRootless;
  const first = await probeOnce(baseDir, !asRoot);
  if (typeof first !== 'string' || !asRoot) return first;
  const second = await probeOnce(baseDir, true);
  return typeof second === 'string' ? `${first}; in a user namespace: ${second}` : second;
}

/** Builds a throw-away sandbox with one volume and round-trips a file through it: the tools or why not. */
async function probeOnce(baseDir: string, rootless: boolean): Promise<NamespaceTools | string> {
  const tools = findNamespaceTools(rootless);
  if (typeof tools === 'string') return tools;
  const dir = join(baseDir, `probe-${randomBytes(4).toString('hex')}`);
  const volume = join(dir, 'volume');
  const token = randomBytes(8).toString('hex');
  try {
    await mkdir(volume, { recursive: true });
    await writeFile(join(volume, 'token'), token);
    const sandbox = await createNamespaceSandbox(
      {
        dir: join(dir, 'sandbox'),
        hostname: 'kubesim-probe',
        mounts: [{ volume: 'probe', hostPath: volume, mountPath: '/etc/kubesim-probe', readOnly: false }],
      },
      tools,
    );
    try {
      const child = await sandbox.spawn({
        argv: ['sh', '-c', 'cat /etc/kubesim-probe/token > /etc/kubesim-probe/echo'],
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        stdin: false,
        stdout: false,
        stderr: false,
      });
      const { code } = await closed(child);
      const echoed = await readFile(join(volume, 'echo'), 'utf8').catch(() => '');
      if (code !== 0 || echoed !== token) return `probe command in the sandbox failed (exit ${code})`;
    } finally {
      await sandbox.destroy();
    }
    return tools;
  } catch (err) {
    return errorMessage(err);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
