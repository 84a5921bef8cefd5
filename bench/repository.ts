/**
 * Lifeboat's repository engine against restic 0.14, side by side, on generated data sets:
 *   (1) 1 GiB incompressible in 16 files, initial backup   (2) 20,000 small text files, initial backup + size
 *   (3) re-backup with nothing changed                      (4) incremental after 5 % of (1) rewritten in
 *   scattered 64 KiB regions: time and bytes added          (5) restore of (1) and (2)   (6) peak RSS
 * Run: node --import tsx bench/repository.ts   (BENCH_DIR=/tmp/lifeboat-bench by default; needs ~6 GB free)
 * Not part of the test suite.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { backup } from '../src/repository/archiver/archiver.ts';
import { initRepository, openRepository } from '../src/repository/repo/repository.ts';
import { restore } from '../src/repository/restorer/restorer.ts';
import { createFsObjectStore } from '../src/storage/fs.ts';

const PASSWORD = 'bench-password';

async function child(args: string[]): Promise<void> {
  const [op, repoDir, path, extra] = args;
  const store = createFsObjectStore({ root: repoDir });
  const t0 = performance.now();
  let info: Record<string, unknown> = {};
  if (op === 'init') {
    await initRepository(store, PASSWORD);
  } else if (op === 'backup') {
    const repo = await openRepository(store, PASSWORD);
    const r = await backup(repo, { paths: [path], hostname: 'bench' });
    info = { snapshot: r.snapshotId, ...r.stats };
  } else if (op === 'restore') {
    const repo = await openRepository(store, PASSWORD);
    const snap = extra === 'FIRST' ? (await repo.listSnapshots())[0] : await repo.findSnapshot(extra);
    const r = await restore(repo, snap, { target: path });
    info = { errors: r.errors.length, bytes: r.bytesWritten };
  }
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS, ...info })}\n`);
}

interface Run {
  seconds: number;
  rssMiB: number;
  out: string;
}

let childScript = '';

/**
 * Bundles this script and the chunk worker with esbuild (tsx's own dependency) so Lifeboat runs as compiled
 * JavaScript, as it ships, not through tsx's on-the-fly transpiler (which costs startup time and ~40 MiB per
 * thread).
 */
function buildBundle(base: string): void {
  const out = join(base, 'dist');
  mkdirSync(out, { recursive: true });
  const root = new URL('..', import.meta.url).pathname;
  const common = ['--bundle', '--platform=node', '--format=esm', '--packages=external', '--log-level=error'];
  const esbuild = join(root, 'node_modules/.bin/esbuild');
  execFileSync(esbuild, [
    join(root, 'bench/repository.ts'),
    ...common,
    `--outfile=${join(out, 'repository.js')}`,
  ]);
  execFileSync(esbuild, [
    join(root, 'src/repository/workers/chunk-worker.ts'),
    ...common,
    `--outfile=${join(out, 'chunk-worker.js')}`,
  ]);
  rmSync(join(out, 'node_modules'), { force: true });
  execFileSync('ln', ['-s', join(root, 'node_modules'), join(out, 'node_modules')]);
  childScript = join(out, 'repository.js');
}

function lifeboat(...args: string[]): Run {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [childScript, 'child', ...args], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`lifeboat ${args.join(' ')} failed: ${r.stderr}`);
  const line = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
  return { seconds, rssMiB: line.maxRssKiB / 1024, out: r.stdout };
}

function restic(pwFile: string, ...args: string[]): Run {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', 'restic', '--no-cache', '-q', ...args], {
    encoding: 'utf8',
    env: { ...process.env, RESTIC_PASSWORD_FILE: pwFile },
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`restic ${args.join(' ')} failed: ${r.stderr}`);
  const rss = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
  return { seconds, rssMiB: rss, out: r.stdout };
}

function du(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    total += st.isDirectory() ? du(p) : st.size;
  }
  return total;
}

function generate(base: string): { ds1: string; ds2: string; ds1Bytes: number; ds2Bytes: number } {
  const ds1 = join(base, 'ds1');
  const ds2 = join(base, 'ds2');
  if (!existsSync(join(ds1, '.done'))) {
    rmSync(ds1, { recursive: true, force: true });
    mkdirSync(ds1, { recursive: true });
    for (let i = 0; i < 16; i++) {
      const fd = openSync(join(ds1, `file${i}.bin`), 'w');
      for (let j = 0; j < 16; j++) writeSync(fd, randomBytes(4 << 20));
      closeSync(fd);
    }
    writeFileSync(join(ds1, '.done'), '');
  }
  if (!existsSync(join(ds2, '.done'))) {
    rmSync(ds2, { recursive: true, force: true });
    const words = Array.from({ length: 2000 }, () =>
      randomBytes(3 + (randomBytes(1)[0] % 6)).toString('hex'),
    );
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(ds2, `dir${d}`), { recursive: true });
      for (let f = 0; f < 200; f++) {
        const size = 1024 + Math.floor(Math.random() * 15 * 1024);
        let text = '';
        while (text.length < size) text += `${words[Math.floor(Math.random() * words.length)]} `;
        writeFileSync(join(ds2, `dir${d}`, `f${f}.txt`), text.slice(0, size));
      }
    }
    writeFileSync(join(ds2, '.done'), '');
  }
  return { ds1, ds2, ds1Bytes: du(ds1), ds2Bytes: du(ds2) };
}

/** Overwrites 5 % of every file in scattered, non-overlapping 64 KiB regions. */
function modify(ds1: string): number {
  let changed = 0;
  for (const name of readdirSync(ds1).filter((n) => n.endsWith('.bin'))) {
    const size = statSync(join(ds1, name)).size;
    const slots = size / 65536;
    const want = Math.round(slots * 0.05);
    const chosen = new Set<number>();
    while (chosen.size < want) chosen.add(Math.floor(Math.random() * slots));
    const fd = openSync(join(ds1, name), 'r+');
    for (const s of chosen) {
      writeSync(fd, randomBytes(65536), 0, 65536, s * 65536);
      changed += 65536;
    }
    closeSync(fd);
  }
  return changed;
}

const mb = (bytes: number) => bytes / 1e6;
const fmt = (n: number, d = 2) => n.toFixed(d);

async function main(): Promise<void> {
  const base = process.env.BENCH_DIR ?? '/tmp/lifeboat-bench';
  mkdirSync(base, { recursive: true });
  console.log(`# data sets in ${base}`);
  const { ds1, ds2, ds1Bytes, ds2Bytes } = generate(base);
  console.log(
    `ds1 ${fmt(mb(ds1Bytes), 1)} MB, ds2 ${fmt(mb(ds2Bytes), 1)} MB in ${readdirSync(ds2).length * 200} files`,
  );
  // Warm the page cache, as the reference figures were taken warm.
  execFileSync('sh', ['-c', `cat ${ds1}/*.bin > /dev/null; find ${ds2} -type f -exec cat {} + > /dev/null`]);
  const pw = join(base, 'pw');
  writeFileSync(pw, PASSWORD);
  buildBundle(base);
  const rows: Array<[string, number, number, string]> = [];
  const rss = { lifeboat: 0, restic: 0 };
  const note = (tool: 'lifeboat' | 'restic', r: Run) => {
    rss[tool] = Math.max(rss[tool], r.rssMiB);
    return r;
  };
  const repo = (tool: string, ds: string) => join(base, `repo-${tool}-${ds}`);
  for (const tool of ['lifeboat', 'restic']) {
    for (const ds of ['ds1', 'ds2']) rmSync(repo(tool, ds), { recursive: true, force: true });
  }
  for (const ds of ['ds1', 'ds2']) {
    note('lifeboat', lifeboat('init', repo('lifeboat', ds)));
    note('restic', restic(pw, '-r', repo('restic', ds), 'init'));
  }
  const both = (label: string, lb: () => Run, rs: () => Run, unitBytes?: number) => {
    const a = note('restic', rs());
    const b = note('lifeboat', lb());
    const extra = unitBytes
      ? `restic ${fmt(mb(unitBytes) / a.seconds, 0)} MB/s, lifeboat ${fmt(mb(unitBytes) / b.seconds, 0)} MB/s`
      : '';
    rows.push([label, b.seconds, a.seconds, extra]);
    console.log(
      `${label}: lifeboat ${fmt(b.seconds)} s, restic ${fmt(a.seconds)} s, speed ratio ${fmt(a.seconds / b.seconds)}x ${extra}`,
    );
    return { lb: b, rs: a };
  };
  both(
    '(1) initial backup ds1',
    () => lifeboat('backup', repo('lifeboat', 'ds1'), ds1),
    () => restic(pw, '-r', repo('restic', 'ds1'), 'backup', '--host', 'bench', ds1),
    ds1Bytes,
  );
  both(
    '(2) initial backup ds2',
    () => lifeboat('backup', repo('lifeboat', 'ds2'), ds2),
    () => restic(pw, '-r', repo('restic', 'ds2'), 'backup', '--host', 'bench', ds2),
    ds2Bytes,
  );
  const size2 = { lifeboat: du(repo('lifeboat', 'ds2')), restic: du(repo('restic', 'ds2')) };
  console.log(
    `(2) repository size ds2: lifeboat ${fmt(mb(size2.lifeboat), 1)} MB, restic ${fmt(mb(size2.restic), 1)} MB`,
  );
  both(
    '(3) re-backup ds1, unchanged',
    () => lifeboat('backup', repo('lifeboat', 'ds1'), ds1),
    () => restic(pw, '-r', repo('restic', 'ds1'), 'backup', '--host', 'bench', ds1),
  );
  both(
    '(3) re-backup ds2, unchanged',
    () => lifeboat('backup', repo('lifeboat', 'ds2'), ds2),
    () => restic(pw, '-r', repo('restic', 'ds2'), 'backup', '--host', 'bench', ds2),
  );
  const before = { lifeboat: du(repo('lifeboat', 'ds1')), restic: du(repo('restic', 'ds1')) };
  const changed = modify(ds1);
  execFileSync('sh', ['-c', `cat ${ds1}/*.bin > /dev/null`]);
  both(
    '(4) incremental ds1 after 5 % rewritten',
    () => lifeboat('backup', repo('lifeboat', 'ds1'), ds1),
    () => restic(pw, '-r', repo('restic', 'ds1'), 'backup', '--host', 'bench', ds1),
    ds1Bytes,
  );
  const added = {
    lifeboat: du(repo('lifeboat', 'ds1')) - before.lifeboat,
    restic: du(repo('restic', 'ds1')) - before.restic,
  };
  console.log(
    `(4) bytes added (changed ${fmt(mb(changed), 1)} MB): lifeboat ${fmt(mb(added.lifeboat), 1)} MB = ${fmt((100 * added.lifeboat) / ds1Bytes, 1)} % of ds1, restic ${fmt(mb(added.restic), 1)} MB = ${fmt((100 * added.restic) / ds1Bytes, 1)} %`,
  );
  const firstSnap = (tool: string, ds: string): string => {
    if (tool === 'restic') {
      const list = JSON.parse(restic(pw, '-r', repo('restic', ds), 'snapshots', '--json').out) as Array<{
        id: string;
        time: string;
      }>;
      return list.sort((a, b) => (a.time < b.time ? -1 : 1))[0].id;
    }
    return 'FIRST';
  };
  for (const ds of ['ds1', 'ds2'] as const) {
    const target = join(base, 'restore');
    const rsSnap = firstSnap('restic', ds);
    both(
      `(5) restore ${ds}`,
      () => {
        rmSync(target, { recursive: true, force: true });
        return lifeboat('restore', repo('lifeboat', ds), target, 'FIRST');
      },
      () => {
        rmSync(target, { recursive: true, force: true });
        return restic(pw, '-r', repo('restic', ds), 'restore', rsSnap, '--target', target);
      },
      ds === 'ds1' ? ds1Bytes : ds2Bytes,
    );
    rmSync(target, { recursive: true, force: true });
  }
  console.log(`(6) peak RSS: lifeboat ${fmt(rss.lifeboat, 0)} MiB, restic ${fmt(rss.restic, 0)} MiB`);
  console.log('\n| step | lifeboat s | restic s | restic/lifeboat |');
  console.log('|---|---|---|---|');
  for (const [label, lb, rs, extra] of rows)
    console.log(`| ${label} | ${fmt(lb)} | ${fmt(rs)} | ${fmt(rs / lb)}x ${extra} |`);
  console.log('\ncommand: node --import tsx bench/repository.ts');
}

if (process.argv[2] === 'child') await child(process.argv.slice(3));
else await main();
