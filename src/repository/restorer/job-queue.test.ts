import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TreeNode } from '../format/tree.ts';
import { JobQueue } from './job-queue.ts';
import type { PlannedFile, PlannedJob } from './plan.ts';

function file(path: string): PlannedFile {
  const node = { name: path, type: 'file', mtime: 0n, atime: 0n, ctime: 0n, uid: 0, gid: 0 };
  return { path, node: node as unknown as TreeNode, jobsLeft: 0, finishedByWorker: false, fresh: true };
}

let blobs = 0;
function job(packId: string, ...files: PlannedFile[]): PlannedJob {
  return {
    packId,
    uses: files.map((f, i) => ({
      id: `blob${blobs++}`,
      loc: { packId, type: 'data', offset: i * 100, length: 100 },
      targets: [{ file: f, offset: 0 }],
    })),
  };
}

const paths = (j: PlannedJob | undefined) => j?.uses.map((u) => u.targets[0].file.path).join(',');

test('two workers are kept on different large files, each continuing its own', async () => {
  const a = file('/t/a.bin');
  const b = file('/t/b.bin');
  const q = new JobQueue();
  // A large file's jobs arrive together: four of a, then four of b, in the same directory.
  const jobs = [...[1, 2, 3, 4].map((i) => job(`pa${i}`, a)), ...[1, 2, 3, 4].map((i) => job(`pb${i}`, b))];
  q.push(jobs);
  q.close();
  const w0 = await q.next(0);
  const w0b = await q.next(0);
  assert.equal(paths(w0), '/t/a.bin');
  assert.equal(paths(w0b), '/t/a.bin');
  // Worker 1 skips a's jobs; b shares only the directory /t with a, which is better than sharing a file.
  const w1 = await q.next(1);
  assert.equal(paths(w1), '/t/b.bin');
  assert.equal(paths(await q.next(0)), '/t/a.bin', 'worker 0 continues a');
  assert.equal(paths(await q.next(1)), '/t/b.bin', 'worker 1 continues b');
  // Worker 0 has taken all of a; b is held by worker 1, so worker 0 shares it rather than idle.
  assert.equal(paths(await q.next(0)), '/t/a.bin');
  assert.equal(paths(await q.next(0)), '/t/b.bin');
});

test('files in separate directories go to separate workers; a released file is free again', async () => {
  const a = file('/t/x/a.bin');
  const b = file('/t/y/b.bin');
  const q = new JobQueue();
  q.push([job('p1', a), job('p2', a), job('p3', a), job('p4', b), job('p5', b)]);
  const first = (await q.next(0)) as PlannedJob;
  assert.equal(first.packId, 'p1');
  const second = (await q.next(1)) as PlannedJob;
  assert.equal(second.packId, 'p4', 'worker 1 starts on the other file');
  // Each continues its own file.
  assert.equal((await q.next(1))?.packId, 'p5');
  const third = (await q.next(0)) as PlannedJob;
  assert.equal(third.packId, 'p2');
  // Worker 1 has nothing of its own left; a is held by worker 0, so it waits for nothing and shares a.
  q.release(first, 0);
  q.release(third, 0);
  assert.equal((await q.next(1))?.packId, 'p3', 'a released by worker 0 goes to worker 1');
  q.close();
  assert.equal(await q.next(0), undefined);
});

test('small-file jobs avoid directories another worker is creating files in', async () => {
  const q = new JobQueue();
  const d1 = [file('/t/d1/f1'), file('/t/d1/f2')];
  const d1b = [file('/t/d1/f3'), file('/t/d1/f4')];
  const d2 = [file('/t/d2/f1'), file('/t/d2/f2')];
  q.push([job('p1', ...d1), job('p2', ...d1b), job('p3', ...d2)]);
  assert.equal((await q.next(0))?.packId, 'p1');
  assert.equal((await q.next(1))?.packId, 'p3', 'p2 creates files in d1 too, which worker 0 holds');
});

test('next waits for jobs pushed later and ends once closed and empty', async () => {
  const q = new JobQueue();
  const waiting = q.next(0);
  const a = file('/t/a');
  q.push([job('p1', a)]);
  assert.equal((await waiting)?.packId, 'p1');
  const ending = q.next(1);
  q.close();
  assert.equal(await ending, undefined);
});
