import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLifeboatError } from '../../core/errors.ts';
import { createFsObjectStore } from '../../storage/fs.ts';
import { formatGoTime, nowNs } from '../format/time.ts';
import { encodeTree, type TreeNode } from '../format/tree.ts';
import { BlobSaver } from '../repo/blob-saver.ts';
import { initRepository, type Repository } from '../repo/repository.ts';
import { restore } from './restorer.ts';
import { walkTree } from './tree-walk.ts';

const kdf = { N: 1024, r: 8, p: 1 };

function node(name: string, type: TreeNode['type'], extra: Partial<TreeNode> = {}): TreeNode {
  const t = formatGoTime(nowNs());
  return { name, type, mode: 0o644, mtime: t, atime: t, ctime: t, uid: 0, gid: 0, content: null, ...extra };
}

/** A snapshot whose tree is `root`, with `sub` as the subtree of every directory node in it. */
async function snapshotOf(repo: Repository, root: (subtree: string) => TreeNode[], sub: TreeNode[]) {
  const saver = new BlobSaver(repo);
  const subId = saver.saveTree(encodeTree(sub));
  const data = saver.saveData(Buffer.from('hello\n'));
  const rootId = saver.saveTree(
    encodeTree(root(subId).map((n) => (n.type === 'file' ? { ...n, content: [data], size: 6 } : n))),
  );
  await saver.flush();
  const id = await repo.saveSnapshot({
    time: formatGoTime(nowNs()),
    tree: rootId,
    paths: ['/x'],
    hostname: 'h',
    username: 'u',
  });
  return repo.loadSnapshot(id);
}

test('the walk reads subtrees ahead and still yields parents first, names in order', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-walk-'));
  try {
    const repo = await initRepository(
      createFsObjectStore({ root: join(root, 'repo'), durable: false }),
      'pw',
      { kdf },
    );
    const names = Array.from({ length: 20 }, (_, i) => `d${String(i).padStart(2, '0')}`);
    const snap = await snapshotOf(
      repo,
      (sub) => names.map((n) => node(n, 'dir', { mode: 0o755 | (2 ** 31), subtree: sub })),
      [node('f', 'file')],
    );
    const paths: string[] = [];
    for await (const e of walkTree(repo, snap.tree)) paths.push(e.path);
    assert.deepEqual(
      paths,
      names.flatMap((n) => [`/${n}`, `/${n}/f`]),
    );
    const under: string[] = [];
    for await (const e of walkTree(repo, snap.tree, '/d07/f')) under.push(e.path);
    assert.deepEqual(under, ['/d07', '/d07/f']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a tree entry named .. (or with a slash) is refused: nothing is written outside the target', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-walk-'));
  try {
    const repo = await initRepository(
      createFsObjectStore({ root: join(root, 'repo'), durable: false }),
      'pw',
      { kdf },
    );
    for (const bad of ['..', 'a/b', '.', '']) {
      const snap = await snapshotOf(
        repo,
        (sub) => [node('dir', 'dir', { mode: 0o755 | (2 ** 31), subtree: sub })],
        [node(bad, 'file')],
      );
      const target = join(root, 'out', 'deep');
      await assert.rejects(restore(repo, snap, { target }), (e) => isLifeboatError(e, 'Corrupt'), bad);
      assert.deepEqual(
        await readdir(join(root, 'out')),
        ['deep'],
        `nothing beside the target for ${JSON.stringify(bad)}`,
      );
      await rm(join(root, 'out'), { recursive: true, force: true });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
