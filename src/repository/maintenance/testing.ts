/**
 * Test support for the maintenance tests (not used by production code): temporary fs repositories, small
 * source trees, and the real `restic` binary run against a repository directory.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';
import { createFsObjectStore } from '../../storage/fs.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { type InitOptions, initRepository, openRepository, type Repository } from '../repo/repository.ts';

const run = promisify(execFile);

/** Cheap scrypt parameters: tests open repositories many times. */
export const TEST_KDF = { N: 1024, r: 8, p: 1 };
/** Small chunks so small test files still make several blobs and packs. */
export const TEST_CHUNKER = { min: 16 * 1024, avg: 32 * 1024, max: 64 * 1024 };
export const TEST_PASSWORD = 'correct horse battery';

export interface TempRepo {
  root: string;
  repoDir: string;
  store: ObjectStore;
  repo: Repository;
  /** A file holding the password, for restic. */
  passwordFile: string;
  /** Opens the repository afresh (a new index, as another process would see it). */
  reopen(store?: ObjectStore): Promise<Repository>;
}

/** Runs `fn` with a new repository in a temporary directory, removed afterwards. */
export async function withTempRepo(
  fn: (t: TempRepo) => Promise<void>,
  options: InitOptions & { wrap?: (store: ObjectStore) => ObjectStore } = {},
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'lb-maint-'));
  try {
    const repoDir = join(root, 'repo');
    const base = createFsObjectStore({ root: repoDir, durable: false });
    const store = options.wrap ? options.wrap(base) : base;
    const repo = await initRepository(store, TEST_PASSWORD, {
      kdf: TEST_KDF,
      packSize: 256 * 1024,
      ...options,
    });
    const passwordFile = join(root, 'password');
    writeFileSync(passwordFile, `${TEST_PASSWORD}\n`);
    await fn({
      root,
      repoDir,
      store,
      repo,
      passwordFile,
      reopen: (s) => openRepository(s ?? store, TEST_PASSWORD, { packSize: 256 * 1024 }),
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Writes `files` (relative path → content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
  }
}

/** Random (incompressible) bytes from a seed, so test data is reproducible. */
export function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let block = createHash('sha256').update(seed).digest();
  for (let pos = 0; pos < length; pos += 32) {
    block.copy(out, pos, 0, Math.min(32, length - pos));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export function randomFile(length: number): Buffer {
  return randomBytes(length);
}

/** Relative path → SHA-256 of content, for every regular file under `dir`. */
export function contentDigest(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile())
        out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** Runs the real restic against a local repository directory; resolves stdout, rejects with stderr. */
export async function restic(
  repoDir: string,
  passwordFile: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await run('restic', ['-r', repoDir, '--no-cache', ...args], {
      env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile, RESTIC_PASSWORD: '', ...env },
      maxBuffer: 64 << 20,
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`restic ${args.join(' ')} failed: ${e.stderr || e.message}\n${e.stdout ?? ''}`);
  }
}

/**
 * A repository prepared once per test file by `build` (backups start worker threads, which is slow) and copied
 * into each test's own temporary repository. `build` receives the template repository and a directory for
 * its source files; what it returns is handed to every test.
 */
export function repoTemplate<T>(
  build: (repo: Repository, dir: string) => Promise<T>,
): (t: TempRepo) => Promise<{ repo: Repository; value: T }> {
  let made: Promise<{ repoDir: string; value: T }> | undefined;
  let root: string | undefined;
  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return async (t) => {
    made ??= (async () => {
      root = mkdtempSync(join(tmpdir(), 'lb-maint-template-'));
      const repoDir = join(root, 'repo');
      const repo = await initRepository(
        createFsObjectStore({ root: repoDir, durable: false }),
        TEST_PASSWORD,
        {
          kdf: TEST_KDF,
          packSize: 256 * 1024,
        },
      );
      return { repoDir, value: await build(repo, root) };
    })();
    const { repoDir, value } = await made;
    rmSync(t.repoDir, { recursive: true, force: true });
    cpSync(repoDir, t.repoDir, { recursive: true });
    return { repo: await t.reopen(), value };
  };
}
