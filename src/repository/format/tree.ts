import { LifeboatError } from '../../core/errors.ts';

export type NodeType = 'file' | 'dir' | 'symlink' | 'dev' | 'chardev' | 'fifo' | 'socket' | 'irregular';

export interface ExtendedAttribute {
  name: string;
  /** base64, as Go marshals []byte. */
  value: string;
}

/**
 * A tree node, with restic's JSON field names. `mode` is a Go `os.FileMode` (permission bits plus Go's own
 * type and setuid/setgid/sticky bits, see file-mode.ts), not a Unix st_mode. Times are Go RFC 3339 strings.
 */
export interface TreeNode {
  name: string;
  type: NodeType;
  mode?: number;
  mtime: string;
  atime: string;
  ctime: string;
  uid: number;
  gid: number;
  user?: string;
  group?: string;
  inode?: number;
  device_id?: number;
  size?: number;
  links?: number;
  linktarget?: string;
  linktarget_raw?: string;
  extended_attributes?: ExtendedAttribute[];
  device?: number;
  /** Data blob ids, in file order; `null` for anything but a file. */
  content: string[] | null;
  /** Tree blob id of a directory's contents. */
  subtree?: string;
  error?: string;
}

const ORDER: Array<keyof TreeNode> = [
  'name',
  'type',
  'mode',
  'mtime',
  'atime',
  'ctime',
  'uid',
  'gid',
  'user',
  'group',
  'inode',
  'device_id',
  'size',
  'links',
  'linktarget',
  'linktarget_raw',
  'extended_attributes',
  'device',
  'content',
  'subtree',
  'error',
];
const ALWAYS = new Set<keyof TreeNode>(['name', 'type', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'content']);

function isEmpty(v: unknown): boolean {
  return v === undefined || v === 0 || v === '' || (Array.isArray(v) && v.length === 0);
}

/** A node with its fields in restic's order and Go's `omitempty` applied, so equal trees hash equal. */
export function canonicalNode(node: TreeNode): TreeNode {
  const out: Record<string, unknown> = {};
  for (const k of ORDER) {
    const v = node[k];
    if (ALWAYS.has(k)) out[k] = k === 'content' ? (v ?? null) : (v ?? (k === 'uid' || k === 'gid' ? 0 : v));
    else if (!isEmpty(v)) out[k] = v;
  }
  return out as unknown as TreeNode;
}

function byteCompare(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Encodes a tree blob: `{"nodes":[…]}` and a newline, nodes sorted by name bytewise (as restic requires). */
export function encodeTree(nodes: readonly TreeNode[]): Buffer {
  const sorted = [...nodes].sort((a, b) => byteCompare(a.name, b.name));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].name === sorted[i - 1].name) {
      throw new LifeboatError('Invalid', `duplicate name in tree: ${sorted[i].name}`);
    }
  }
  return Buffer.from(`${JSON.stringify({ nodes: sorted.map(canonicalNode) })}\n`);
}

export function decodeTree(plain: Uint8Array, id = 'tree'): TreeNode[] {
  let json: { nodes?: TreeNode[] };
  try {
    json = JSON.parse(Buffer.from(plain.buffer, plain.byteOffset, plain.length).toString('utf8'));
  } catch (err) {
    throw new LifeboatError('Corrupt', `tree ${id} is not valid JSON`, { cause: err });
  }
  if (!json || !Array.isArray(json.nodes)) throw new LifeboatError('Corrupt', `tree ${id} has no nodes`);
  return json.nodes;
}
