/**
 * Lifeboat's repository engine against restic 0.14, side by side, on generated data sets:
 *   (1) 1 GiB incompressible in 16 files, initial backup   (2) 20,000 small text files, initial backup + size
 *   (3) re-backup with nothing changed                      (4) incremental after 5 % of (1) rewritten in
 *   scattered 64 KiB regions: time and bytes added          (5) restore of (1) and (2)   (6) peak RSS
 *
 * Lifeboat runs as a user runs it: the real CLI (`lifeboat repo …`) compiled by `tsc -p tsconfig.build.json`
 * (what `npm run build` does, into a private directory here), one process per step, timed from outside like
 * restic, with the peak RSS of the whole process (all threads) from /usr/bin/time. Each step runs restic and
 * Lifeboat back to back, each after a `sync`, so both see the same machine load and a clean page cache;
 * BENCH_ROUNDS > 1 repeats everything on fresh repositories, alternating which tool goes first, and reports
 * medians. Each run's CPU time (user + system, all threads, from /usr/bin/time) is reported beside its wall
 * time: on a shared machine the wall time follows the other work's load, the CPU time much less.
 *
 * Each restore (5) starts with the page cache emptied (as root), so both tools read their repository from disk,
 * as after a failure; see `dropCaches`. The backups read their data sets from memory.
 *
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
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildCli } from './support/build.ts';

const PASSWORD = 'bench-password';
const HOST = 'bench';

interface Run {
  seconds: number;
  /** User + system CPU seconds of the whole process (all threads): robust where wall time follows the load. */
  cpu: number;
  rssMiB: number;
  out: string;
}

/** The CLI compiled as `npm run build` compiles it, with the chunking worker it loads by path. */
function build(base: string): string {
  return buildCli(base, ['repository/workers/chunk-worker.js']);
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M CPU %U %S', cmd, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const rss = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024;
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return { seconds, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : 0, rssMiB: rss, out: r.stdout };
}

let cliPath = '';

function lifeboat(repoDir: string, ...args: string[]): Run {
  return timed(process.execPath, [cliPath, 'repo', '-r', repoDir, ...args], { LIFEBOAT_PASSWORD: PASSWORD });
}

function restic(repoDir: string, ...args: string[]): Run {
  return timed('restic', ['--no-cache', '-q', '-r', repoDir, ...args], { RESTIC_PASSWORD: PASSWORD });
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

function generate(base: string): { ds1: string; ds2: string } {
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
  return { ds1, ds2 };
}

/** Overwrites 5 % of every file in scattered, non-overlapping 64 KiB regions; returns the bytes changed. */
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

/** Lets the disk finish what deleting or writing gigabytes started (writeback, discards); not timed. */
function settle(): void {
  execFileSync('sync');
  execFileSync('sleep', ['3']);
}

const DROP_CACHES = '/proc/sys/vm/drop_caches';

/**
 * Empties the page cache (needs root), so a restore reads its repository from disk, as a restore after a
 * failure does. Without it the comparison would measure the cache, not the tools: restic's packs are still in
 * memory from its backup minutes before, while Lifeboat writes packs with O_DIRECT and reads its own from
 * disk. Answers whether it could.
 */
function dropCaches(): boolean {
  try {
    execFileSync('sync');
    writeFileSync(DROP_CACHES, '3\n');
    return true;
  } catch {
    return false;
  }
}

/** Reads every file of a data set once, so both tools back it up from memory (after caches were dropped). */
function warm(dir: string): void {
  execFileSync('sh', ['-c', `find "${dir}" -type f -exec cat {} + > /dev/null`]);
}

const mb = (bytes: number) => bytes / 1e6;
const fmt = (n: number, d = 2) => n.toFixed(d);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

interface Row {
  label: string;
  lifeboat: number[];
  restic: number[];
  /** CPU seconds (user + system) of each run. */
  lifeboatCpu: number[];
  resticCpu: number[];
  /** Bytes processed, for MB/s. */
  bytes?: number;
}

function firstSnapshot(tool: 'lifeboat' | 'restic', repoDir: string): string {
  const out =
    tool === 'restic'
      ? restic(repoDir, 'snapshots', '--json').out
      : lifeboat(repoDir, '--json', 'snapshots').out;
  const list = JSON.parse(out) as Array<{ id: string; time: string }>;
  return list.sort((a, b) => Date.parse(a.time) - Date.parse(b.time))[0].id;
}

async function main(): Promise<void> {
  const base = process.env.BENCH_DIR ?? '/tmp/lifeboat-bench';
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
  mkdirSync(base, { recursive: true });
  console.log(
    `# data sets in ${base}; ${cpus().length} cores; load average ${loadavg()
      .map((l) => fmt(l, 1))
      .join(' ')}`,
  );
  const { ds1, ds2 } = generate(base);
  const ds1Bytes = du(ds1);
  const ds2Bytes = du(ds2);
  console.log(`ds1 ${fmt(mb(ds1Bytes), 1)} MB in 16 files, ds2 ${fmt(mb(ds2Bytes), 1)} MB in 20000 files`);
  cliPath = build(base);
  console.log(
    `lifeboat: ${process.execPath} ${cliPath} (tsc build); restic: ${execFileSync('restic', ['version'], { encoding: 'utf8' }).trim()}`,
  );
  // Warm the page cache, as the reference figures were taken warm.
  execFileSync('sh', ['-c', `cat ${ds1}/*.bin > /dev/null; find ${ds2} -type f -exec cat {} + > /dev/null`]);

  const bench = new Bench(base, { ds1, ds2, ds1Bytes, ds2Bytes });
  for (let round = 1; round <= rounds; round++) bench.round(round, rounds);
  bench.cleanUp();
  bench.report(rounds);
}

interface DataSets {
  ds1: string;
  ds2: string;
  ds1Bytes: number;
  ds2Bytes: number;
}

/** Runs the steps of each round for both tools and collects the figures. */
class Bench {
  readonly #base: string;
  readonly #data: DataSets;
  readonly #rows = new Map<string, Row>();
  readonly #rss = { lifeboat: 0, restic: 0 };
  readonly #extra: string[] = [];
  /** Restore outputs, deleted at the end: deleting them between steps would charge the next step for it. */
  readonly #restoreDirs: string[] = [];
  #resticFirst = true;
  #warnedCache = false;

  constructor(base: string, data: DataSets) {
    this.#base = base;
    this.#data = data;
  }

  #repo(tool: string, ds: string): string {
    return join(this.#base, `repo-${tool}-${ds}`);
  }

  /**
   * Times one step for both tools. Dirty pages left by one tool (a restore writes 1 GiB without fsync) would
   * slow the next one down: each run starts from a synced page cache, and the order alternates by round.
   */
  #both(
    label: string,
    lb: () => Run,
    rs: () => Run,
    bytes?: number,
    between?: () => void,
    cold = false,
  ): void {
    const run = (f: () => Run) => {
      execFileSync('sync');
      if (cold && !dropCaches() && !this.#warnedCache) {
        this.#warnedCache = true;
        this.#extra.push('(5) the page cache could not be dropped (not root): restores read what is cached');
      }
      return f();
    };
    let a: Run;
    let b: Run;
    if (this.#resticFirst) {
      a = run(rs);
      between?.();
      b = run(lb);
    } else {
      b = run(lb);
      between?.();
      a = run(rs);
    }
    this.#rss.restic = Math.max(this.#rss.restic, a.rssMiB);
    this.#rss.lifeboat = Math.max(this.#rss.lifeboat, b.rssMiB);
    const row = this.#rows.get(label) ?? {
      label,
      lifeboat: [],
      restic: [],
      lifeboatCpu: [],
      resticCpu: [],
      bytes,
    };
    row.lifeboat.push(b.seconds);
    row.restic.push(a.seconds);
    row.lifeboatCpu.push(b.cpu);
    row.resticCpu.push(a.cpu);
    this.#rows.set(label, row);
    console.log(
      `${label}: lifeboat ${fmt(b.seconds)} s ${fmt(b.cpu)} CPU-s (${fmt(b.rssMiB, 0)} MiB), restic ${fmt(a.seconds)} s ${fmt(a.cpu)} CPU-s (${fmt(a.rssMiB, 0)} MiB), restic/lifeboat ${fmt(a.seconds / b.seconds)}x wall, ${fmt(a.cpu / b.cpu)}x CPU  [load ${fmt(loadavg()[0], 1)}]`,
    );
  }

  #backupBoth(label: string, ds: string, path: string, bytes?: number): void {
    this.#both(
      label,
      () => lifeboat(this.#repo('lifeboat', ds), '-q', 'backup', '--host', HOST, path),
      () => restic(this.#repo('restic', ds), 'backup', '--host', HOST, path),
      bytes,
    );
  }

  round(round: number, rounds: number): void {
    const { ds1, ds2, ds1Bytes, ds2Bytes } = this.#data;
    this.#resticFirst = round % 2 === 1;
    if (rounds > 1)
      console.log(`\n## round ${round} of ${rounds} (${this.#resticFirst ? 'restic' : 'lifeboat'} first)`);
    for (const tool of ['lifeboat', 'restic']) {
      for (const ds of ['ds1', 'ds2']) rmSync(this.#repo(tool, ds), { recursive: true, force: true });
    }
    settle();
    for (const ds of ['ds1', 'ds2']) {
      lifeboat(this.#repo('lifeboat', ds), '-q', 'init');
      restic(this.#repo('restic', ds), 'init');
    }
    // The previous round's restores emptied the page cache: both tools back up from memory, as in round 1.
    warm(ds1);
    warm(ds2);
    this.#backupBoth('(1) initial backup ds1', 'ds1', ds1, ds1Bytes);
    this.#backupBoth('(2) initial backup ds2', 'ds2', ds2, ds2Bytes);
    this.#extra.push(
      `(2) repository size ds2: lifeboat ${fmt(mb(du(this.#repo('lifeboat', 'ds2'))), 1)} MB, restic ${fmt(mb(du(this.#repo('restic', 'ds2'))), 1)} MB`,
    );
    this.#backupBoth('(3) re-backup ds1, unchanged', 'ds1', ds1);
    this.#backupBoth('(3) re-backup ds2, unchanged', 'ds2', ds2);
    const before = { lifeboat: du(this.#repo('lifeboat', 'ds1')), restic: du(this.#repo('restic', 'ds1')) };
    const changed = modify(ds1);
    execFileSync('sh', ['-c', `cat ${ds1}/*.bin > /dev/null`]);
    this.#backupBoth('(4) incremental ds1 after 5 % rewritten', 'ds1', ds1, ds1Bytes);
    const added = {
      lifeboat: du(this.#repo('lifeboat', 'ds1')) - before.lifeboat,
      restic: du(this.#repo('restic', 'ds1')) - before.restic,
    };
    this.#extra.push(
      `(4) bytes added (changed ${fmt(mb(changed), 1)} MB): lifeboat ${fmt(mb(added.lifeboat), 1)} MB = ${fmt((100 * added.lifeboat) / ds1Bytes, 1)} % of ds1, restic ${fmt(mb(added.restic), 1)} MB = ${fmt((100 * added.restic) / ds1Bytes, 1)} %`,
    );
    for (const ds of ['ds1', 'ds2'] as const)
      this.#restoreBoth(ds, round, ds === 'ds1' ? ds1Bytes : ds2Bytes);
  }

  /**
   * Restores into fresh targets. The 1 GiB ones are deleted right after the step and the disk left to settle
   * (otherwise gigabytes of restored files pile up in the page cache and make later writes reclaim memory); the
   * 20,000-file ones stay until the end, since deleting 20,000 files just before creating 20,000 makes ext4's
   * inode allocator skip the recently freed inodes one by one, which would charge the next step for it.
   */
  #restoreBoth(ds: 'ds1' | 'ds2', round: number, bytes: number): void {
    const target = (tool: string) => join(this.#base, `restore-${tool}-${ds}-${round}`);
    const snaps = {
      lifeboat: firstSnapshot('lifeboat', this.#repo('lifeboat', ds)),
      restic: firstSnapshot('restic', this.#repo('restic', ds)),
    };
    // The second 1 GiB restore must not start beside the first one's gigabyte: measured with it in place, which
    // ever tool went second spent 1.3-4.5 more CPU-seconds (page-cache writes) and lost up to half its speed.
    const clearFirst = () => {
      for (const tool of ['lifeboat', 'restic']) rmSync(target(tool), { recursive: true, force: true });
      settle();
    };
    this.#both(
      `(5) restore ${ds}`,
      () =>
        lifeboat(this.#repo('lifeboat', ds), '-q', 'restore', snaps.lifeboat, '--target', target('lifeboat')),
      () => restic(this.#repo('restic', ds), 'restore', snaps.restic, '--target', target('restic')),
      bytes,
      ds === 'ds1' ? clearFirst : undefined,
      true,
    );
    for (const tool of ['lifeboat', 'restic']) {
      if (ds === 'ds2') this.#restoreDirs.push(target(tool));
      else rmSync(target(tool), { recursive: true, force: true });
    }
    if (ds === 'ds1') settle();
  }

  cleanUp(): void {
    for (const d of this.#restoreDirs) rmSync(d, { recursive: true, force: true });
  }

  report(rounds: number): void {
    console.log('');
    for (const line of this.#extra) console.log(line);
    console.log(
      `(6) peak RSS: lifeboat ${fmt(this.#rss.lifeboat, 0)} MiB, restic ${fmt(this.#rss.restic, 0)} MiB`,
    );
    console.log(
      `\n| step | lifeboat s | restic s | restic/lifeboat | lifeboat CPU-s | restic CPU-s | CPU ratio |${rounds > 1 ? ` (medians of ${rounds} rounds; ratios: medians of the per-round ratios, wall ones listed)` : ''}`,
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const r of this.#rows.values()) {
      const lb = median(r.lifeboat);
      const rs = median(r.restic);
      // The ratio of each round (both tools under the same load), then the median of those.
      const ratio = median(r.lifeboat.map((l, i) => r.restic[i] / l));
      const speed = r.bytes ? ` (${fmt(mb(r.bytes) / lb, 0)} vs ${fmt(mb(r.bytes) / rs, 0)} MB/s)` : '';
      const all = rounds > 1 ? ` [${r.lifeboat.map((l, i) => fmt(r.restic[i] / l)).join(', ')}]` : '';
      const cpuRatio = median(r.lifeboatCpu.map((l, i) => r.resticCpu[i] / l));
      console.log(
        `| ${r.label} | ${fmt(lb)} | ${fmt(rs)} | ${fmt(ratio)}x${all}${speed} | ${fmt(median(r.lifeboatCpu))} | ${fmt(median(r.resticCpu))} | ${fmt(cpuRatio)}x |`,
      );
    }
    console.log(
      `\ncommand: ${rounds > 1 ? `BENCH_ROUNDS=${rounds} ` : ''}node --import tsx bench/repository.ts`,
    );
  }
}

await main();
