import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from './storage-server-process.ts';

/** A running Azurite blob service on 127.0.0.1, holding everything in memory. */
export interface Azurite {
  /** `http://127.0.0.1:PORT/devstoreaccount1`: the account's blob endpoint (path-style, as Azurite serves it). */
  readonly blobEndpoint: string;
  /** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
  readonly accountName: string;
  readonly accountKey: string;
  /** A connection string for the development account on this port. */
  readonly connectionString: string;
  stop(): Promise<void>;
}

const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/**
 * Starts azurite-blob as a child process on a free port, in memory, with telemetry off (Azurite otherwise
 * tries to reach Application Insights).
 */
export async function startAzurite(): Promise<Azurite> {
  const cwd = await mkdtemp(join(tmpdir(), 'lifeboat-azurite-'));
  const require = createRequire(import.meta.url);
  const script = join(require.resolve('azurite/package.json'), '..', 'dist', 'src', 'blob', 'main.js');
  let server: Awaited<ReturnType<typeof startServerProcess>>;
  try {
    server = await startServerProcess({
      script,
      args: [
        '--blobHost',
        '127.0.0.1',
        '--blobPort',
        '0',
        '--inMemoryPersistence',
        '--extentMemoryLimit',
        '1024',
        '--disableTelemetry',
        '--silent',
        '--loose',
        '--skipApiVersionCheck',
      ],
      cwd,
      ready: /listens on http:\/\/127\.0\.0\.1:(\d+)/,
    });
  } catch (err) {
    await rm(cwd, { recursive: true, force: true });
    throw err;
  }
  const blobEndpoint = `http://127.0.0.1:${server.port}/${ACCOUNT}`;
  return {
    blobEndpoint,
    accountName: ACCOUNT,
    accountKey: KEY,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${blobEndpoint};`,
    async stop() {
      await server.stop();
      await rm(cwd, { recursive: true, force: true });
    },
  };
}
