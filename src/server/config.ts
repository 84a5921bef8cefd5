import { z } from 'zod';
import { parseDuration } from '../core/duration.ts';
import { LifeboatError } from '../core/errors.ts';

/**
 * The server's configuration: read once at the entry point (flags, then environment), validated here, and
 * passed down frozen. Durations are Go duration strings in the input (`1m`, `720h`) and milliseconds after
 * parsing, so nothing below the entry point parses text again.
 */

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        const ms = parseDuration(text);
        if (ms < 0) throw new Error('negative');
        return ms;
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `not a duration: ${JSON.stringify(text)} (e.g. 90s, 5m, 720h)`,
        });
        return z.NEVER;
      }
    });

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const serverConfigSchema = z.object({
  /** Where the server's resources (Backups, locations, Secrets, its Lease) live. */
  namespace: z.string().min(1).default('lifeboat'),
  /** A kubeconfig file; the entry point falls back to KUBECONFIG or ~/.kube/config. */
  kubeconfig: z.string().optional(),
  kubeContext: z.string().optional(),
  /** `host:port` (or `:port`, all interfaces) for /metrics, /healthz, /readyz and /download. */
  metricsAddress: z.string().default(':8085'),
  /**
   * The URL clients reach the HTTP endpoints at, for fs download links (`http://lifeboat.lifeboat:8085`).
   * Unset: built from the bound address (`127.0.0.1` for a wildcard host), which suits a port-forward.
   */
  publicUrl: z.url().optional(),
  /**
   * A file holding the key that signs fs download tokens. Replicas that share it accept each other's links;
   * unset, each server makes a random key at start (links die with the server, which is harmless: they live
   * ten minutes).
   */
  downloadKeyFile: z.string().optional(),
  /** Backup `spec.ttl` when unset or 0 (`--default-backup-ttl`). */
  defaultBackupTtl: duration('720h'),
  /** The location a Backup without `spec.storageLocation` uses when no location is marked default. */
  defaultBackupLocation: z.string().default('default'),
  /** The Secret (`name`, `key`) holding credentials for locations without `spec.credential`. */
  defaultCredentialsSecret: z.string().default('cloud-credentials'),
  defaultCredentialsKey: z.string().default('cloud'),
  /** Work an engine does at once (a backup's lists, a restore's creates); unset leaves each engine's default. */
  itemConcurrency: z.coerce.number().int().min(1).optional(),
  /** Backups (and, separately, restores) run at once. */
  concurrentBackups: positiveInt(1),
  concurrentRestores: positiveInt(1),
  /** How often every location's availability is checked, unless its `spec.validationFrequency` says otherwise. */
  storeValidationFrequency: duration('1m'),
  /** How often backups in storage are synced into the cluster, unless a location's `spec.backupSyncPeriod` says otherwise; 0 disables. */
  backupSyncPeriod: duration('1m'),
  /** How often garbage collection looks at each backup again (`--garbage-collection-frequency`). */
  garbageCollectionFrequency: duration('1h'),
  /** Schedules that do not set `skipImmediately` skip their first due run (`--schedule-skip-immediately`). */
  scheduleSkipImmediately: z.boolean().default(false),
  /**
   * A webhook POSTed a JSON event when any backup ends Failed or PartiallyFailed (schedules add their own).
   * Logged by origin only; put a token in it only when the config itself is kept secret.
   */
  notificationWebhook: z.url({ protocol: /^https?$/ }).optional(),
  /** Least time between two `status.progress` patches of one Backup or Restore. */
  progressInterval: duration('1s'),
  /** How long a DownloadRequest's URL stays valid (Velero: 10 minutes). */
  downloadUrlTtl: duration('10m'),
  /** How long a processed ServerStatusRequest is kept before the server deletes it. */
  serverStatusRequestTtl: duration('1m'),
  /** Leader election on a coordination.k8s.io Lease: only the leader runs the controllers. */
  leaderElection: z.boolean().default(true),
  leaseName: z.string().default('lifeboat-server'),
  leaseDuration: duration('15s'),
  leaseRenewDeadline: duration('10s'),
  leaseRetryPeriod: duration('2s'),
  /** This server's name in the Lease; the entry point fills in host name and pid. */
  identity: z.string().min(1).default('lifeboat-server'),
  /** On SIGTERM: how long in-flight backups and restores may take to finish before they are failed. */
  shutdownTimeout: duration('30s'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Controllers to leave out: `backup`, `restore`, `backup-storage-location`, `delete-backup-request`, … */
  disableControllers: z.array(z.string()).default([]),
});

export type ServerConfigInput = z.input<typeof serverConfigSchema>;
export type ServerConfig = Readonly<z.output<typeof serverConfigSchema>>;

/** Validates `input` (defaults filled in) and freezes it; throws a Usage error naming the bad field. */
export function parseServerConfig(input: ServerConfigInput): ServerConfig {
  const result = serverConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.');
    throw new LifeboatError('Usage', `server configuration ${field}: ${issue.message}`, { field });
  }
  const data = { ...result.data };
  // A short lease shortens what follows it, so `--lease-duration 2s` alone makes a valid set.
  if (data.leaseRenewDeadline >= data.leaseDuration)
    data.leaseRenewDeadline = Math.floor((data.leaseDuration * 2) / 3);
  if (data.leaseRetryPeriod >= data.leaseRenewDeadline)
    data.leaseRetryPeriod = Math.max(1, Math.floor(data.leaseRenewDeadline / 4));
  return Object.freeze({
    ...data,
    disableControllers: Object.freeze([...data.disableControllers]),
  }) as ServerConfig;
}

/** Splits `host:port` / `:port` / `port`; an empty host means every interface. */
export function parseListenAddress(address: string): { host: string | undefined; port: number } {
  const match = /^(?:\[?([^\]]*?)\]?:)?(\d+)$/.exec(address.trim());
  if (!match)
    throw new LifeboatError('Usage', `metrics address ${JSON.stringify(address)} is not host:port`, {
      field: 'metricsAddress',
    });
  const port = Number(match[2]);
  if (port > 65535)
    throw new LifeboatError('Usage', `metrics address port ${port} is out of range`, {
      field: 'metricsAddress',
    });
  const host = match[1] === undefined || match[1] === '' ? undefined : match[1];
  return { host, port };
}
