import { isAbsolute, join, resolve, sep } from 'node:path';
import { LifeboatError } from '../../core/errors.ts';
import type { Snapshot } from '../format/snapshot.ts';
import { parseGoTime } from '../format/time.ts';
import type { Repository } from '../repo/repository.ts';

/** A directory of the snapshot that exists only to hold targets (the path components above them). */
export interface VirtualDir {
  fsPath: string;
  children: Map<string, VirtualDir>;
  /** Walk this path fully (a backup target). */
  target: boolean;
}

/**
 * The snapshot's root as a tree of the directories leading to the backup targets. Absolute paths keep their
 * full path from the root (as restic stores them); relative ones are stored relative to `cwd`.
 */
export function virtualRoot(paths: string[], cwd: string): VirtualDir {
  const root: VirtualDir = { fsPath: '/', children: new Map(), target: false };
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const rel = isAbsolute(p) ? abs.slice(1) : abs === cwd ? '' : abs.slice(cwd.length + 1);
    if (!isAbsolute(p) && abs !== cwd && !abs.startsWith(cwd + sep)) {
      throw new LifeboatError('Invalid', `relative path ${p} leaves the working directory`);
    }
    const parts = rel === '' ? [] : rel.split(sep);
    if (parts.length === 0) {
      if (root.children.size > 0 || root.target)
        throw new LifeboatError('Invalid', `${p} overlaps another path`);
      root.fsPath = abs;
      root.target = true;
      continue;
    }
    let dir = root;
    let fsPath = isAbsolute(p) ? '/' : cwd;
    for (const part of parts) {
      fsPath = join(fsPath, part);
      let child = dir.children.get(part);
      if (!child) {
        child = { fsPath, children: new Map(), target: false };
        dir.children.set(part, child);
      }
      dir = child;
    }
    dir.target = true;
  }
  return root;
}

/**
 * The parent snapshot: `parent` by id or prefix, none for `null`, by default the latest snapshot with the same
 * host and the same set of paths.
 */
export async function findParent(
  repo: Repository,
  parent: string | null | undefined,
  hostname: string,
  paths: string[],
): Promise<Snapshot | undefined> {
  if (parent === null) return undefined;
  if (parent !== undefined) return repo.findSnapshot(parent);
  const want = [...paths].sort().join('\0');
  const candidates = (await repo.listSnapshots()).filter(
    (s) => s.hostname === hostname && [...s.paths].sort().join('\0') === want,
  );
  candidates.sort((a, b) => Number(parseGoTime(a.time) - parseGoTime(b.time)));
  return candidates.at(-1);
}
