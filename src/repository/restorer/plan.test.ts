import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFsObjectStore } from '../../storage/fs.ts';
import { backup } from '../archiver/archiver.ts';
import { initRepository } from '../repo/repository.ts';
import { type PlannedFile, type PlannedJob, planRestore } from './plan.ts';

const kdf = { N: 1024, r: 8, p: 1 };
const chunker = { min: 4096, avg: 16384, max: 65536 };

test('the plan is handed on in batches of whole files; each file knows its jobs; shared blobs are planned per batch', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-plan-'));
  try {
    const src = join(root, 'src');
    for (const d of ['a', 'b', 'c']) mkdirSync(join(src, d), { recursive: true });
    const same = randomBytes(40_000);
    writeFileSync(join(src, 'a/same'), same);
    writeFileSync(join(src, 'c/same'), same); // same blobs, planned in a later batch
    for (const d of ['a', 'b', 'c']) {
      for (let i = 0; i < 6; i++) writeFileSync(join(src, d, `f${i}`), randomBytes(30_000 + i * 7000));
    }
    const repo = await initRepository(
      createFsObjectStore({ root: join(root, 'repo'), durable: false }),
      'pw',
      {
        kdf,
        packSize: 120_000,
      },
    );
    const snap = await backup(repo, { paths: ['.'], cwd: src, chunker, workers: 2 });
    const batches: PlannedJob[][] = [];
    const plan = await planRestore(repo, snap.snapshot.tree, {
      target: join(root, 'out'),
      include: ['/'],
      owners: false,
      jobBytes: 50_000,
      jobTargets: 1024,
      batchBytes: 100_000,
      onJobs: (jobs) => batches.push(jobs),
    });
    assert.ok(batches.length >= 3, `${batches.length} batches`);
    assert.deepEqual(batches.flat(), plan.jobs);
    assert.equal(plan.files.length, 2 + 18);
    // Every file's blobs are planned exactly once, in jobs of one batch, and its job count is right.
    const jobsOf = new Map<PlannedFile, Set<PlannedJob>>();
    const batchOf = new Map<PlannedFile, Set<number>>();
    batches.forEach((jobs, b) => {
      for (const job of jobs) {
        for (const use of job.uses) {
          for (const t of use.targets) {
            jobsOf.set(t.file, (jobsOf.get(t.file) ?? new Set()).add(job));
            batchOf.set(t.file, (batchOf.get(t.file) ?? new Set()).add(b));
          }
        }
      }
    });
    for (const f of plan.files) {
      assert.equal(batchOf.get(f)?.size, 1, `${f.path} in one batch`);
      assert.equal(f.jobsLeft, jobsOf.get(f)?.size, `${f.path} job count`);
      assert.equal(f.finishedByWorker, f.jobsLeft === 1);
      const planned = [...(jobsOf.get(f) ?? [])].flatMap((j) =>
        j.uses.flatMap((u) => u.targets.filter((t) => t.file === f)),
      );
      assert.equal(planned.length, f.node.content?.length, `${f.path}: each blob once`);
    }
    const sameFiles = plan.files.filter((f) => f.path.endsWith('/same'));
    assert.notDeepEqual(
      batchOf.get(sameFiles[0]),
      batchOf.get(sameFiles[1]),
      'identical files in different batches',
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
