import { hostname } from 'node:os';
import { type Command, Option } from 'commander';
import { pino } from 'pino';
import { isLifeboatError, LifeboatError, UsageError } from '../../core/errors.ts';
import { parseServerConfig, type ServerConfigInput } from '../../server/config.ts';
import { startServer } from '../../server/index.ts';
import { type GlobalOptions, kubeconfigPath, serverNamespace } from '../kube/session.ts';
import type { CliRuntime } from '../runtime.ts';

interface ServerFlags {
  metricsAddress?: string;
  publicUrl?: string;
  downloadKeyFile?: string;
  defaultBackupTtl?: string;
  defaultBackupStorageLocation?: string;
  storeValidationFrequency?: string;
  backupSyncPeriod?: string;
  garbageCollectionFrequency?: string;
  scheduleSkipImmediately?: boolean;
  notificationWebhook?: string;
  itemConcurrency?: string;
  concurrentBackups?: string;
  concurrentRestores?: string;
  leaderElect?: boolean;
  leaseName?: string;
  leaseDuration?: string;
  shutdownTimeout?: string;
  logLevel?: string;
  disableControllers?: string;
  identity?: string;
}

/**
 * `lifeboat server`: runs the controllers (leader-elected) and the HTTP endpoints until SIGTERM or SIGINT,
 * then shuts down within `--shutdown-timeout`. Logs are JSON lines on stderr. Flags follow Velero's server
 * flags where it has one; every flag also reads from the environment at this entry point only
 * (`LIFEBOAT_NAMESPACE`, `KUBECONFIG`).
 */
export function registerServer(program: Command, runtime: CliRuntime): void {
  program
    .command('server')
    .description('run the Lifeboat server: controllers, metrics, health and download endpoints')
    .option('--metrics-address <host:port>', 'address of /metrics, /healthz, /readyz and /download', ':8085')
    .option('--public-url <url>', 'URL clients reach the server at, for fs download links')
    .option('--download-key-file <path>', 'file with the key signing fs download links (shared by replicas)')
    .option('--default-backup-ttl <duration>', 'TTL of backups that set none', '720h')
    .option(
      '--default-backup-storage-location <name>',
      'location of backups that name none, when no location is marked default',
      'default',
    )
    .option('--store-validation-frequency <duration>', 'how often storage locations are checked', '1m')
    .option(
      '--backup-sync-period <duration>',
      'how often backups in storage are synced into the cluster (0: never)',
      '1m',
    )
    .option(
      '--garbage-collection-frequency <duration>',
      'how often garbage collection looks at each backup again',
      '1h',
    )
    .option(
      '--schedule-skip-immediately',
      'schedules that do not set skipImmediately skip the run due when they are created or unpaused',
    )
    .option(
      '--notification-webhook <url>',
      'http(s) URL POSTed a JSON event when any backup ends Failed or PartiallyFailed',
    )
    .option(
      '--item-concurrency <n>',
      'lists a backup or creates a restore runs at once (default: the engine’s)',
    )
    .option('--concurrent-backups <n>', 'backups run at once', '1')
    .option('--concurrent-restores <n>', 'restores run at once', '1')
    .option('--no-leader-elect', 'run the controllers without leader election (one replica only)')
    .option(
      '--lease-name <name>',
      'the coordination.k8s.io Lease used for leader election',
      'lifeboat-server',
    )
    .option('--lease-duration <duration>', 'how long a leader holds the lease without renewing it', '15s')
    .option(
      '--shutdown-timeout <duration>',
      'how long running backups and restores may take to finish on SIGTERM',
      '30s',
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .option('--disable-controllers <names>', 'comma-separated controllers not to run (backup, restore, …)')
    .option('--identity <name>', 'this server’s name in the lease (default: host name and process id)')
    .action(async (flags: ServerFlags, command: Command) => {
      await runServerCommand(flags, command.optsWithGlobals() as GlobalOptions, runtime);
    });
}

async function runServerCommand(
  flags: ServerFlags,
  globals: GlobalOptions,
  runtime: CliRuntime,
): Promise<void> {
  const input: ServerConfigInput = {
    namespace: serverNamespace(globals, runtime),
    kubeconfig: kubeconfigPath(globals, runtime),
    kubeContext: globals.kubeContext,
    metricsAddress: flags.metricsAddress,
    publicUrl: flags.publicUrl,
    downloadKeyFile: flags.downloadKeyFile,
    defaultBackupTtl: flags.defaultBackupTtl,
    defaultBackupLocation: flags.defaultBackupStorageLocation,
    storeValidationFrequency: flags.storeValidationFrequency,
    backupSyncPeriod: flags.backupSyncPeriod,
    garbageCollectionFrequency: flags.garbageCollectionFrequency,
    scheduleSkipImmediately: flags.scheduleSkipImmediately === true,
    notificationWebhook: flags.notificationWebhook,
    itemConcurrency: flags.itemConcurrency,
    concurrentBackups: flags.concurrentBackups,
    concurrentRestores: flags.concurrentRestores,
    leaderElection: flags.leaderElect !== false,
    leaseName: flags.leaseName,
    leaseDuration: flags.leaseDuration,
    shutdownTimeout: flags.shutdownTimeout,
    logLevel: flags.logLevel as ServerConfigInput['logLevel'],
    disableControllers: flags.disableControllers
      ? flags.disableControllers
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    identity: flags.identity ?? `${hostname()}_${process.pid}`,
  };
  const config = parseForFlags(input);
  const logger = pino({ level: config.logLevel, base: { service: 'lifeboat-server' } }, pino.destination(2));
  const server = await startServer(config, { logger, env: runtime.env });
  const signals = ['SIGTERM', 'SIGINT'] as const;
  const handlers = new Map<string, () => void>();
  const stopped = new Promise<string>((resolve) => {
    for (const signal of signals) {
      const handler = (): void => resolve(signal);
      handlers.set(signal, handler);
      process.once(signal, handler);
    }
  });
  const outcome = await Promise.race([
    stopped.then((signal) => ({ signal })),
    server.done.then(() => ({ signal: '' })),
  ]);
  if (outcome.signal) logger.info({ signal: outcome.signal }, 'shutting down');
  await server.stop();
  for (const [signal, handler] of handlers) process.off(signal, handler);
  if (server.failure) throw new LifeboatError('Unavailable', `server stopped: ${server.failure}`);
}

/** Config fields whose flag is not simply the field in kebab case. */
const FLAG_OF: Record<string, string> = {
  defaultBackupLocation: '--default-backup-storage-location',
  leaderElection: '--leader-elect',
  kubeContext: '--kube-context',
};

/** `parseServerConfig`, with a refusal naming the flag the user typed rather than the config field. */
function parseForFlags(input: ServerConfigInput): ReturnType<typeof parseServerConfig> {
  try {
    return parseServerConfig(input);
  } catch (err) {
    if (!isLifeboatError(err, 'Usage') || !err.field) throw err;
    const field = err.field.split('.')[0];
    const flag = FLAG_OF[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(err.message.replace(`server configuration ${err.field}`, flag), {
      field: err.field,
    });
  }
}
