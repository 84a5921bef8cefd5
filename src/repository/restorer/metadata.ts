import { chmodSync, lchownSync, lutimesSync, utimesSync } from 'node:fs';
import { unixPermsFromGo } from '../format/file-mode.ts';
import { parseGoTime } from '../format/time.ts';
import type { TreeNode } from '../format/tree.ts';

/**
 * Seconds for utimes. Node passes times as doubles (about 240 ns resolution today), so nanoseconds cannot be set
 * exactly; aiming at the middle of the microsecond makes the restored time exact to the microsecond.
 */
export function toSeconds(goTime: string): number {
  const ns = parseGoTime(goTime);
  const secs = ns / 1_000_000_000n;
  const micros = (ns % 1_000_000_000n) / 1000n;
  return Number(secs) + Number(micros * 1000n + 500n) / 1e9;
}

/** Owner, permissions, then times (chmod and chown would otherwise change ctime only, but order them safely). */
export function applyMetadata(path: string, node: TreeNode, owners: boolean): void {
  if (owners) {
    try {
      lchownSync(path, node.uid, node.gid);
    } catch {
      // not permitted: keep the restoring user's ownership
    }
  }
  if (node.type === 'symlink') {
    lutimesSync(path, toSeconds(node.atime), toSeconds(node.mtime));
    return;
  }
  if (node.mode !== undefined) chmodSync(path, unixPermsFromGo(node.mode));
  utimesSync(path, toSeconds(node.atime), toSeconds(node.mtime));
}
