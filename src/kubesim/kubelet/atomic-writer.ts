import { mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type Payload = { path: string; content: Buffer; mode: number }[];

/**
 * Writes a ConfigMap/Secret/projected volume the way the kubelet's AtomicWriter does, so readers never see
 * a half-updated set: the files go into a fresh `..<timestamp>` directory, `..data` is switched to it by
 * renaming a symlink, and each top-level entry is a symlink through `..data`.
 */
export async function writeAtomically(dir: string, payload: Payload, now: Date): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stamp = `..${now.toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}${Math.random().toString().slice(2, 10)}`;
  const target = join(dir, stamp);
  await mkdir(target, { recursive: true });
  for (const file of payload) {
    const path = join(target, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { mode: file.mode });
  }
  const previous = await readlink(join(dir, '..data')).catch(() => undefined);
  const temp = join(dir, '..data_tmp');
  await rm(temp, { force: true });
  await symlink(stamp, temp);
  await rename(temp, join(dir, '..data'));
  const top = new Set(payload.map((f) => f.path.split('/')[0]));
  for (const name of top) {
    await symlink(join('..data', name), join(dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('..') || top.has(entry)) continue;
    await rm(join(dir, entry), { force: true });
  }
  if (previous && previous !== stamp) await rm(join(dir, previous), { recursive: true, force: true });
}
