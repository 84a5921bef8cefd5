import type { BigIntStats } from 'node:fs';
import { goModeFromUnix, nodeTypeFromUnix } from '../format/file-mode.ts';
import { formatGoTime } from '../format/time.ts';
import type { TreeNode } from '../format/tree.ts';
import type { OwnerNames } from './owners.ts';

/**
 * The tree node restic would record for an lstat result (without content/subtree/linktarget, which the
 * archiver fills in). `device_id` is kept only for hard-linked files, as restic ≥ 0.14 does.
 */
export function nodeFromStat(name: string, st: BigIntStats, owners: OwnerNames): TreeNode {
  const mode = Number(st.mode);
  const type = nodeTypeFromUnix(mode);
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const node: TreeNode = {
    name,
    type,
    mode: goModeFromUnix(mode),
    mtime: formatGoTime(st.mtimeNs),
    atime: formatGoTime(st.atimeNs),
    ctime: formatGoTime(st.ctimeNs),
    uid,
    gid,
    user: owners.user(uid),
    group: owners.group(gid),
    inode: Number(st.ino),
    links: Number(st.nlink),
    content: null,
  };
  if (type === 'file') {
    node.size = Number(st.size);
    node.content = [];
    if (st.nlink > 1n) node.device_id = Number(st.dev);
  }
  if (type === 'dev' || type === 'chardev') node.device = Number(st.rdev);
  return node;
}
