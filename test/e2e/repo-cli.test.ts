/**
 * End to end: the real `lifeboat repo …` CLI (node --import tsx src/cli/main.ts) on a local path and on an S3
 * server (s3rver), with the real `restic` reading what it wrote (with `--no-lock` on s3rver, which stores
 * restic's own streaming-signed uploads undecoded, so restic cannot write there).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { startS3rver } from '../support/s3rver.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const MAIN = join(ROOT, 'src/cli/main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without anything that could point the CLI or restic at another repository or password. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(LIFEBOAT_|RESTIC_|AWS_|AZURE_)/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

function lifeboat(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return run(process.execPath, ['--import', 'tsx', MAIN, ...args], env);
}

/** Runs and insists on exit 0, showing stderr otherwise. */
async function ok(p: Promise<Run>, what: string): Promise<Run> {
  const r = await p;
  assert.equal(r.code, 0, `${what} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r;
}

function restic(repo: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return run('restic', ['-r', repo, '--no-cache', ...args], env);
}

/** Relative path → SHA-256 of every regular file under `dir`. */
function digest(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

test('lifeboat repo on a local path: the whole life of a repository, and restic reads every step', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lb-e2e-repo-'));
  try {
    const src = join(root, 'src');
    writeFiles(src, {
      'docs/a.txt': 'first version of a\n'.repeat(2000),
      'data/blob.bin': randomBytes(300_000),
      'data/sub/c.txt': 'see',
    });
    const firstData = digest(join(src, 'data'));
    const pw = join(root, 'pw');
    writeFileSync(pw, 'e2e password\n');
    const repo = join(root, 'repo');
    const env = cleanEnv();
    const resticEnv = cleanEnv({ RESTIC_PASSWORD_FILE: pw });
    const lb = (...args: string[]) => lifeboat(['repo', '--repo', repo, '--password-file', pw, ...args], env);

    assert.match((await ok(lb('init'), 'init')).stdout, /created restic repository [0-9a-f]{10} at /);
    const first = jsonLines(
      (await ok(lb('backup', src, '--tag', 'first', '--host', 'e2e', '--json'), 'backup')).stdout,
    );
    const summary = first.at(-1) as { message_type: string; snapshot_id: string; files_new: number };
    assert.equal(summary.message_type, 'summary');
    assert.equal(summary.files_new, 3);
    const a = summary.snapshot_id;

    writeFiles(src, { 'docs/a.txt': 'second version of a\n', 'data/new.txt': 'new' });
    const second = await ok(lb('backup', src, '--host', 'e2e', '--progress-interval', '0s'), 'second backup');
    const b = /snapshot ([0-9a-f]{8}) saved/.exec(second.stdout)?.[1] as string;
    assert.ok(b, second.stdout);
    assert.match(second.stdout, /Files: +1 new, 1 changed, 2 unmodified/);
    assert.match(second.stderr, /\[\d+:\d\d\] .*files .*total 4 files/, 'progress lines without a terminal');

    // Read-only commands, side by side.
    const [snapsJson, table, listing, found, changes, dumped, statsJson, checked, theirs] = await Promise.all(
      [
        ok(lb('snapshots', '--json'), 'snapshots --json'),
        ok(lb('snapshots'), 'snapshots'),
        ok(lb('ls', 'latest'), 'ls'),
        ok(lb('find', '*.txt', '--json'), 'find'),
        ok(lb('diff', a.slice(0, 8), b), 'diff'),
        ok(lb('dump', 'latest', join(src, 'docs/a.txt')), 'dump'),
        ok(lb('stats', '--json'), 'stats'),
        ok(lb('check', '--read-data'), 'check'),
        ok(restic(repo, ['snapshots', '--json'], resticEnv), 'restic snapshots'),
      ],
    );
    const ours = JSON.parse(snapsJson.stdout) as Array<{
      id: string;
      tree: string;
      tags?: string[];
      size: number;
    }>;
    assert.deepEqual(
      ours.map((s) => s.id.slice(0, 8)),
      [a.slice(0, 8), b],
    );
    assert.deepEqual(
      (JSON.parse(theirs.stdout) as Array<{ id: string; tree: string }>).map((s) => [s.id, s.tree]),
      ours.map((s) => [s.id, s.tree]),
    );
    assert.deepEqual(ours[0].tags, ['first']);
    assert.equal(ours[0].size, 38_000 + 300_000 + 3);
    assert.match(table.stdout, new RegExp(`${a.slice(0, 8)} .* e2e +first +${src}`));
    assert.match(table.stdout, /\n2 snapshots\n$/);
    assert.ok(listing.stdout.split('\n').includes(join(src, 'data/new.txt')));
    const hits = JSON.parse(found.stdout) as Array<{ snapshot: string; hits: number }>;
    assert.deepEqual(
      hits.map((h) => h.hits),
      [2, 3],
    );
    assert.match(changes.stdout, new RegExp(`^M    ${join(src, 'docs/a.txt')}$`, 'm'));
    assert.match(changes.stdout, new RegExp(`^\\+    ${join(src, 'data/new.txt')}$`, 'm'));
    assert.equal(dumped.stdout, 'second version of a\n');
    assert.equal(JSON.parse(statsJson.stdout).snapshotsCount, 2);
    assert.match(checked.stdout, /no errors were found/);

    // Restores: the latest snapshot whole, one directory of the first into the target root, and restic's.
    const out = join(root, 'out');
    const sub = join(root, 'sub');
    const theirOut = join(root, 'restic-out');
    await Promise.all([
      ok(lb('restore', 'latest', '--target', out), 'restore'),
      ok(lb('restore', `${a.slice(0, 8)}:${join(src, 'data')}`, '--target', sub), 'restore ID:PATH'),
      ok(restic(repo, ['restore', b, '--target', theirOut], resticEnv), 'restic restore'),
    ]);
    assert.deepEqual(digest(join(out, src)), digest(src));
    assert.deepEqual(digest(sub), firstData);
    assert.deepEqual(digest(join(theirOut, src)), digest(src));

    // Forget and prune; restic checks the result.
    const forgot = JSON.parse(
      (await ok(lb('forget', '--keep-last', '1', '--prune', '--json'), 'forget')).stdout.split('\n')[0],
    );
    assert.equal(forgot.length, 1);
    assert.deepEqual(
      forgot[0].remove.map((s: { id: string }) => s.id),
      [a],
    );
    assert.match(
      (await ok(restic(repo, ['check', '--read-data'], resticEnv), 'restic check')).stdout,
      /no errors were found/,
    );

    // Password change: the old password fails with one line, the new one works for us and for restic.
    const newPw = join(root, 'new-pw');
    writeFileSync(newPw, 'another e2e password\n');
    await ok(lb('key', 'passwd', '--new-password-file', newPw), 'key passwd');
    const denied = await lb('snapshots');
    assert.equal(denied.code, 1);
    assert.equal(denied.stderr, 'error: wrong password or no key found\n');
    const [withNew, , unlocked, noRepo, noSnap] = await Promise.all([
      ok(
        lifeboat(
          ['repo', '--repo', repo, 'key', 'list'],
          cleanEnv({ LIFEBOAT_PASSWORD: 'another e2e password' }),
        ),
        'key list',
      ),
      ok(
        restic(repo, ['snapshots'], cleanEnv({ RESTIC_PASSWORD_FILE: newPw })),
        'restic with the new password',
      ),
      ok(lifeboat(['repo', '-r', repo, '-p', newPw, 'unlock'], env), 'unlock'),
      // Mistakes: one line each; usage errors exit 2, others 1.
      lifeboat(['repo', 'snapshots'], cleanEnv({ LIFEBOAT_PASSWORD: 'x' })),
      lifeboat(['repo', '-r', repo, '-p', newPw, 'restore', 'deadbeef', '--target', out], env),
    ]);
    assert.match(withNew.stdout, /^\*[0-9a-f]{8} /m);
    assert.match(unlocked.stdout, /successfully removed 0 locks/);
    assert.equal(noRepo.code, 2);
    assert.equal(noRepo.stderr, 'error: no repository given: use --repo or set LIFEBOAT_REPOSITORY\n');
    assert.equal(noSnap.code, 1);
    assert.equal(noSnap.stderr, 'error: no snapshot matches deadbeef\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('lifeboat repo on S3 (s3rver): written through the CLI, read by restic with --no-lock', async () => {
  const s3 = await startS3rver();
  const root = await mkdtemp(join(tmpdir(), 'lb-e2e-s3-'));
  try {
    await s3.createBucket('lifeboat');
    const src = join(root, 'src');
    writeFiles(src, { 'a.bin': randomBytes(200_000), 'dir/b.txt': 'bee\n'.repeat(500) });
    const location = `s3:${s3.endpoint}/lifeboat/restic/ns1`;
    const env = cleanEnv({
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      LIFEBOAT_REPOSITORY: location,
      LIFEBOAT_PASSWORD: 's3 password',
    });
    const resticEnv = cleanEnv({
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      RESTIC_PASSWORD: 's3 password',
    });
    await ok(lifeboat(['repo', 'init'], env), 'init on s3');
    const backedUp = jsonLines(
      (await ok(lifeboat(['repo', 'backup', src, '--json'], env), 'backup on s3')).stdout,
    );
    const id = (backedUp.at(-1) as { snapshot_id: string }).snapshot_id;

    const [theirs, checked] = await Promise.all([
      ok(restic(location, ['--no-lock', 'snapshots', '--json'], resticEnv), 'restic snapshots'),
      ok(restic(location, ['--no-lock', 'check', '--read-data'], resticEnv), 'restic check'),
    ]);
    assert.deepEqual(
      (JSON.parse(theirs.stdout) as Array<{ id: string }>).map((s) => s.id),
      [id],
    );
    assert.match(checked.stdout, /no errors were found/);
    const theirOut = join(root, 'restic-out');
    await ok(
      restic(location, ['--no-lock', 'restore', id, '--target', theirOut], resticEnv),
      'restic restore',
    );
    assert.deepEqual(digest(join(theirOut, src)), digest(src));

    const out = join(root, 'out');
    await ok(lifeboat(['repo', 'restore', 'latest', '--target', out], env), 'restore from s3');
    assert.deepEqual(digest(join(out, src)), digest(src));
    assert.match((await ok(lifeboat(['repo', 'check'], env), 'check on s3')).stdout, /no errors were found/);
  } finally {
    await rm(root, { recursive: true, force: true });
    await s3.stop();
  }
});

/** The names in a directory; none when it does not exist (the fs store removes emptied directories). */
function entries(dir: string): string[] {
  return statSync(dir, { throwIfNoEntry: false }) ? readdirSync(dir) : [];
}

/** Starts the CLI, sends SIGINT once stderr shows `ready`, and collects the run. */
function interrupted(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let sent = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err.push(c);
      if (!sent && ready.test(Buffer.concat(err).toString())) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

test('Ctrl-C stops repo backup and repo restore cleanly: exit 130, no lock, no snapshot, no partial file', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-interrupt-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    for (let i = 0; i < 6; i++) writeFileSync(join(src, `f${i}`), randomBytes(32 << 20));
    const repo = join(root, 'repo');
    const env = cleanEnv({ LIFEBOAT_PASSWORD: 'interrupt password' });
    const lb = (...args: string[]) => ['repo', '--repo', repo, ...args];
    await ok(lifeboat(lb('init'), env), 'init');

    const stopped = await interrupted(lb('backup', src, '--progress-interval', '50ms'), env, /\d+ files/);
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.match(stopped.stderr, /SIGINT: stopping cleanly/);
    assert.deepEqual(entries(join(repo, 'locks')), [], 'the lock is released');
    assert.deepEqual(entries(join(repo, 'snapshots')), [], 'no snapshot');
    assert.match((await ok(lifeboat(lb('check'), env), 'check')).stdout, /no errors were found/);

    await ok(lifeboat(lb('backup', src), env), 'backup');
    const out = join(root, 'out');
    const cut = await interrupted(
      lb('restore', 'latest', '--target', out, '--progress-interval', '50ms'),
      env,
      /\d+ files/,
    );
    assert.equal(cut.code, 130, cut.stderr);
    assert.deepEqual(entries(join(repo, 'locks')), [], 'the restore lock is released');
    // Whatever the restore left is whole: a file it had begun and not finished is removed.
    const left = join(out, src);
    const files = entries(left);
    assert.ok(files.length < 6, `the restore stopped before the end (${files.length} files)`);
    for (const f of files)
      assert.ok(readFileSync(join(left, f)).equals(readFileSync(join(src, f))), `${f} is complete`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
