import { resolve } from 'node:path';
import { UsageError } from '../../../core/errors.ts';
import type { ObjectStore } from '../../../storage/object-store.ts';

/** Where a repository lives, parsed from `--repo` (restic's syntax for the backends Lifeboat has). */
export type RepoLocation =
  | { kind: 'local'; path: string }
  | { kind: 's3'; endpoint: string | undefined; bucket: string; prefix: string }
  | { kind: 'azure'; container: string; prefix: string };

const UNSUPPORTED = ['sftp:', 'rest:', 'b2:', 'gs:', 'swift:', 'rclone:'];

/**
 * Parses a repository location: a local path (or `local:PATH`), `s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX]`,
 * `s3:HOST/BUCKET[/PREFIX]` (HTTPS), or `azure:CONTAINER:/PREFIX`. Anything else is a usage error.
 */
export function parseRepoLocation(text: string): RepoLocation {
  const t = text.trim();
  if (t === '') throw new UsageError('the repository location is empty');
  if (t.startsWith('s3:')) return parseS3(t.slice(3), text);
  if (t.startsWith('azure:')) {
    const m = /^azure:([^:/]+):(\/.*)?$/.exec(t);
    if (!m)
      throw new UsageError(`invalid azure repository ${JSON.stringify(text)}: use azure:CONTAINER:/PREFIX`);
    return { kind: 'azure', container: m[1], prefix: trimSlashes(m[2] ?? '') };
  }
  for (const scheme of UNSUPPORTED) {
    if (t.startsWith(scheme)) {
      throw new UsageError(
        `${scheme.slice(0, -1)} repositories are not supported: use a local path, s3: or azure:`,
      );
    }
  }
  return { kind: 'local', path: resolve(t.startsWith('local:') ? t.slice(6) : t) };
}

function parseS3(rest: string, text: string): RepoLocation {
  const bad = () =>
    new UsageError(
      `invalid s3 repository ${JSON.stringify(text)}: use s3:https://HOST[:PORT]/BUCKET[/PREFIX]`,
    );
  let endpoint: string | undefined;
  let path: string;
  if (/^https?:\/\//.test(rest)) {
    let url: URL;
    try {
      url = new URL(rest);
    } catch {
      throw bad();
    }
    endpoint = `${url.protocol}//${url.host}`;
    path = decodeURIComponent(url.pathname);
  } else {
    const slash = rest.indexOf('/');
    if (slash <= 0) throw bad();
    const host = rest.slice(0, slash);
    endpoint = host === 's3.amazonaws.com' ? undefined : `https://${host}`;
    path = rest.slice(slash);
  }
  const parts = trimSlashes(path).split('/');
  if (!parts[0]) throw bad();
  return { kind: 's3', endpoint, bucket: parts[0], prefix: parts.slice(1).join('/') };
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}

/** The location as a user wrote it, for messages (never with credentials, which never appear in it). */
export function describeLocation(loc: RepoLocation): string {
  switch (loc.kind) {
    case 'local':
      return loc.path;
    case 's3':
      return `s3:${loc.endpoint ?? 'https://s3.amazonaws.com'}/${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    case 'azure':
      return `azure:${loc.container}:/${loc.prefix}`;
  }
}

export interface StoreCredentials {
  /** `--credentials-file`: an AWS-style credentials file for s3 (else AWS_SHARED_CREDENTIALS_FILE). */
  credentialsFile?: string;
  profile?: string;
}

/**
 * Builds the ObjectStore for a location. S3 credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 * (and AWS_SESSION_TOKEN), else a credentials file, else the SDK's default chain; the region from
 * AWS_DEFAULT_REGION or AWS_REGION. Azure credentials from AZURE_STORAGE_CONNECTION_STRING, or
 * AZURE_ACCOUNT_NAME with AZURE_ACCOUNT_KEY or AZURE_ACCOUNT_SAS (restic's names), and AZURE_ENDPOINT for a
 * non-default blob endpoint. Backends load on demand: the cloud SDKs take a second to import, which every
 * command run against a local path would otherwise pay.
 */
export async function createStore(
  loc: RepoLocation,
  env: NodeJS.ProcessEnv,
  creds: StoreCredentials = {},
): Promise<ObjectStore> {
  switch (loc.kind) {
    case 'local': {
      const { createFsObjectStore } = await import('../../../storage/fs.ts');
      return createFsObjectStore({ root: loc.path });
    }
    case 's3': {
      const { createS3ObjectStore } = await import('../../../storage/s3.ts');
      const keyId = env.AWS_ACCESS_KEY_ID;
      const secret = env.AWS_SECRET_ACCESS_KEY;
      const credentialsFile = creds.credentialsFile ?? env.AWS_SHARED_CREDENTIALS_FILE;
      return createS3ObjectStore({
        bucket: loc.bucket,
        prefix: loc.prefix,
        endpoint: loc.endpoint,
        forcePathStyle: loc.endpoint !== undefined,
        region: env.AWS_DEFAULT_REGION || env.AWS_REGION || undefined,
        credentials:
          keyId && secret
            ? {
                accessKeyId: keyId,
                secretAccessKey: secret,
                sessionToken: env.AWS_SESSION_TOKEN || undefined,
              }
            : undefined,
        credentialsFile: keyId && secret ? undefined : credentialsFile,
        profile: creds.profile ?? env.AWS_PROFILE,
      });
    }
    case 'azure': {
      const connectionString = env.AZURE_STORAGE_CONNECTION_STRING;
      if (!connectionString && !env.AZURE_ACCOUNT_NAME) {
        throw new UsageError('azure repositories need AZURE_STORAGE_CONNECTION_STRING or AZURE_ACCOUNT_NAME');
      }
      const { createAzureObjectStore } = await import('../../../storage/azure.ts');
      return createAzureObjectStore({
        container: loc.container,
        prefix: loc.prefix,
        connectionString: connectionString || undefined,
        accountName: connectionString ? undefined : env.AZURE_ACCOUNT_NAME,
        accountKey: connectionString ? undefined : env.AZURE_ACCOUNT_KEY || undefined,
        sasToken: connectionString ? undefined : env.AZURE_ACCOUNT_SAS || undefined,
        endpoint: env.AZURE_ENDPOINT || undefined,
      });
    }
  }
}
