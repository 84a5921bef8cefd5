import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoMode, goModeFromUnix, nodeTypeFromUnix, unixPermsFromGo } from './file-mode.ts';
import { isStaleLock } from './lock.ts';
import { canonicalSnapshot } from './snapshot.ts';
import { formatGoTime } from './time.ts';
import { decodeTree, encodeTree, type TreeNode } from './tree.ts';

const t = '2024-01-02T03:04:05.123456789+01:00';

test('tree JSON: restic field order, omitempty, content null for dirs, sorted by name bytes', () => {
  const nodes: TreeNode[] = [
    {
      name: 'b',
      type: 'dir',
      mode: GoMode.dir + 0o755,
      mtime: t,
      atime: t,
      ctime: t,
      uid: 0,
      gid: 0,
      content: null,
      subtree: 'f'.repeat(64),
    },
    {
      name: 'B',
      type: 'file',
      mode: 0o644,
      mtime: t,
      atime: t,
      ctime: t,
      uid: 1000,
      gid: 1000,
      user: 'u',
      size: 3,
      links: 1,
      inode: 42,
      content: ['a'.repeat(64)],
    },
  ];
  const text = encodeTree(nodes).toString();
  assert.ok(text.endsWith('}\n'));
  assert.equal(
    text,
    `{"nodes":[{"name":"B","type":"file","mode":420,"mtime":"${t}","atime":"${t}","ctime":"${t}","uid":1000,"gid":1000,"user":"u","inode":42,"size":3,"links":1,"content":["${'a'.repeat(64)}"]},` +
      `{"name":"b","type":"dir","mode":${GoMode.dir + 0o755},"mtime":"${t}","atime":"${t}","ctime":"${t}","uid":0,"gid":0,"content":null,"subtree":"${'f'.repeat(64)}"}]}\n`,
  );
  assert.deepEqual(
    decodeTree(Buffer.from(text)).map((n) => n.name),
    ['B', 'b'],
  );
  assert.throws(() => encodeTree([nodes[0], nodes[0]]), /duplicate/);
});

test('Go FileMode conversions', () => {
  assert.equal(goModeFromUnix(0o040755), GoMode.dir + 0o755);
  assert.equal(goModeFromUnix(0o120777), GoMode.symlink + 0o777);
  assert.equal(goModeFromUnix(0o104755), GoMode.setuid + 0o755);
  assert.equal(goModeFromUnix(0o020666), GoMode.device + GoMode.charDevice + 0o666);
  assert.equal(unixPermsFromGo(GoMode.dir + GoMode.sticky + 0o777), 0o1777);
  assert.equal(nodeTypeFromUnix(0o100644), 'file');
  assert.equal(nodeTypeFromUnix(0o010644), 'fifo');
});

test('snapshot JSON keeps restic field order and drops empty optional fields', () => {
  const s = canonicalSnapshot({ tags: [], paths: ['/a'], tree: 'x', time: t, hostname: 'h', uid: 0 });
  assert.deepEqual(Object.keys(s), ['time', 'tree', 'paths', 'hostname']);
});

test('locks: stale when older than 30 minutes, or when its process on this host is gone', () => {
  const now = Date.UTC(2024, 0, 1, 12, 0, 0);
  const at = (msAgo: number) => formatGoTime(BigInt(now - msAgo) * 1_000_000n, 0);
  const lock = { time: at(60_000), exclusive: false, hostname: 'h1', username: 'u', pid: 7 };
  assert.equal(
    isStaleLock(lock, now, 'h1', () => true),
    false,
  );
  assert.equal(
    isStaleLock(lock, now, 'h1', () => false),
    true,
  );
  assert.equal(
    isStaleLock(lock, now, 'h2', () => false),
    false,
  );
  assert.equal(
    isStaleLock({ ...lock, time: at(31 * 60_000) }, now, 'h2', () => true),
    true,
  );
});
