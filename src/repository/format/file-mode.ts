import type { NodeType } from './tree.ts';

/** Go's os.FileMode bits (restic stores `mode` as Go's FileMode, not as a Unix st_mode). */
export const GoMode = {
  dir: 2 ** 31,
  append: 2 ** 30,
  exclusive: 2 ** 29,
  temporary: 2 ** 28,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
  irregular: 2 ** 19,
} as const;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFBLK = 0o060000;
const S_IFCHR = 0o020000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
const S_IFREG = 0o100000;

/** Unix st_mode → Go FileMode, as Go's os.Lstat computes it. */
export function goModeFromUnix(stMode: number): number {
  let m = stMode & 0o777;
  switch (stMode & S_IFMT) {
    case S_IFDIR:
      m += GoMode.dir;
      break;
    case S_IFLNK:
      m += GoMode.symlink;
      break;
    case S_IFBLK:
      m += GoMode.device;
      break;
    case S_IFCHR:
      m += GoMode.device + GoMode.charDevice;
      break;
    case S_IFIFO:
      m += GoMode.namedPipe;
      break;
    case S_IFSOCK:
      m += GoMode.socket;
      break;
  }
  if (stMode & 0o4000) m += GoMode.setuid;
  if (stMode & 0o2000) m += GoMode.setgid;
  if (stMode & 0o1000) m += GoMode.sticky;
  return m;
}

/** Go FileMode → the permission bits (with setuid/setgid/sticky) for chmod. */
export function unixPermsFromGo(goMode: number): number {
  let m = goMode % 0o1000;
  if (Math.floor(goMode / GoMode.setuid) % 2 === 1) m |= 0o4000;
  if (Math.floor(goMode / GoMode.setgid) % 2 === 1) m |= 0o2000;
  if (Math.floor(goMode / GoMode.sticky) % 2 === 1) m |= 0o1000;
  return m;
}

export function nodeTypeFromUnix(stMode: number): NodeType {
  switch (stMode & S_IFMT) {
    case S_IFREG:
      return 'file';
    case S_IFDIR:
      return 'dir';
    case S_IFLNK:
      return 'symlink';
    case S_IFBLK:
      return 'dev';
    case S_IFCHR:
      return 'chardev';
    case S_IFIFO:
      return 'fifo';
    case S_IFSOCK:
      return 'socket';
    default:
      return 'irregular';
  }
}
