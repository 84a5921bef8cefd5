import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from './storage-server-process.ts';

/** A running s3rver: an S3 API on 127.0.0.1 backed by a temporary directory. */
export interface S3rver {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly region: string;
  /** s3rver's fixed development credentials (not secrets). */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Creates a bucket (3–63 characters, as S3 requires). */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface S3rverOptions {
  /**
   * Run s3rver exactly as published, without the listing fix of `s3rver-main.cjs` (its keys then come out in
   * directory-walk order and deeply nested common prefixes go missing). Default false.
   */
  pristine?: boolean;
}

/**
 * Starts s3rver as a child process on a free port (`s3rver-main.cjs`, which corrects s3rver's listing order
 * and common prefixes to S3's; see that file). It runs with `--openssl-legacy-provider` because its list
 * continuation tokens use DES, which Node 20's default OpenSSL refuses (every listing longer than one page
 * would fail with 500 otherwise); keeping it in a child keeps that flag out of the test process.
 * Known limitation, not corrected: s3rver does not enforce `If-None-Match: *` (a conditional put overwrites).
 */
export async function startS3rver(options: S3rverOptions = {}): Promise<S3rver> {
  const directory = await mkdtemp(join(tmpdir(), 'lifeboat-s3rver-'));
  const script = fileURLToPath(new URL('./s3rver-main.cjs', import.meta.url));
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  try {
    server = await startServerProcess({
      nodeFlags: ['--openssl-legacy-provider'],
      script,
      args: options.pristine ? [directory, '--pristine'] : [directory],
      cwd: directory,
      ready: /S3rver listening on 127\.0\.0\.1:(\d+)/,
    });
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${server.port}`;
  return {
    endpoint,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async createBucket(name) {
      // s3rver accepts unsigned bucket creation; a plain PUT keeps this helper free of the SDK.
      const response = await fetch(`${endpoint}/${name}`, { method: 'PUT' });
      const text = await response.text();
      if (!response.ok) throw new Error(`s3rver: creating bucket ${name} failed: ${response.status} ${text}`);
    },
    async stop() {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
