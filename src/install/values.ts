import { z } from 'zod';
import { LIFEBOAT_VERSION } from '../core/version.ts';
import { PROVIDER_CONFIG_KEYS, STORAGE_PROVIDERS } from '../storage/factory.ts';

/** The name of the storage location `install` creates, as in Velero. */
export const DEFAULT_LOCATION_NAME = 'default';
/** The Secret holding the credentials file `--secret-file` names, and its key (Velero's `cloud-credentials`/`cloud`). */
export const CREDENTIALS_SECRET_NAME = 'cloud-credentials';
export const CREDENTIALS_SECRET_KEY = 'cloud';
/** The Secret with the password of the volume repositories; the node agent and the server read it. */
export const REPOSITORY_SECRET_NAME = 'lifeboat-repo-credentials';
export const REPOSITORY_SECRET_KEY = 'repository-password';
/** The image install runs when the values name none; its tag follows `version`. */
export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/lifeboat-io/lifeboat';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (lower case letters, digits, dashes)')
  .max(63);

/** A Kubernetes quantity: `100m`, `0.5`, `128Mi`, `1G`, `2e3`. */
const quantity = z
  .string()
  .regex(
    /^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/,
    'must be a Kubernetes quantity (100m, 0.5, 128Mi, 1Gi)',
  );

type CpuMemory = { cpu: string; memory: string };
/** Requests and limits, each of the four defaulting on its own, so setting one keeps the others' defaults. */
const resources = (defaults: { requests: CpuMemory; limits: CpuMemory }) => {
  const half = (d: CpuMemory) =>
    z
      .object({ cpu: quantity.default(d.cpu), memory: quantity.default(d.memory) })
      .strict()
      .default(d);
  return z
    .object({ requests: half(defaults.requests), limits: half(defaults.limits) })
    .strict()
    .default(defaults);
};

/** `1h30m`, `720h`, `45s`: Go durations as the server's flags take them. */
const duration = z
  .string()
  .regex(/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/, 'must be a duration (30s, 5m, 720h)');

const semver = z
  .string()
  .regex(/^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/, 'must be a version (MAJOR.MINOR.PATCH)');

/**
 * Every setting of an installation, in one object (the values file, with flags merged over it): each
 * renderer reads the part it needs. Unknown keys are errors, so a misspelt setting never passes silently.
 */
export const installValuesSchema = z
  .object({
    namespace: dnsLabel.default('lifeboat'),
    /** The Lifeboat version installed; the image tag follows it unless `image.tag` is set. */
    version: semver.default(LIFEBOAT_VERSION),
    image: z
      .object({
        repository: z.string().min(1).default(DEFAULT_IMAGE_REPOSITORY),
        tag: z.string().min(1).optional(),
        pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
      })
      .strict()
      .default({ repository: DEFAULT_IMAGE_REPOSITORY, pullPolicy: 'IfNotPresent' }),
    /** Install only the CRDs (and nothing that needs a namespace). */
    crdsOnly: z.boolean().default(false),
    /** The default BackupStorageLocation; absent with `--no-default-backup-location`. */
    backupLocation: z
      .object({
        name: dnsLabel.default(DEFAULT_LOCATION_NAME),
        provider: z.enum(STORAGE_PROVIDERS),
        bucket: z.string().min(1, 'must not be empty'),
        prefix: z.string().optional(),
        config: z.record(z.string(), z.string()).default(() => ({})),
      })
      .strict()
      .optional(),
    /** The default VolumeSnapshotLocation (`csi` needs no config). */
    snapshotLocation: z
      .object({
        name: dnsLabel.default(DEFAULT_LOCATION_NAME),
        provider: z.string().min(1),
        config: z.record(z.string(), z.string()).default(() => ({})),
      })
      .strict()
      .optional(),
    /** The text of the credentials file; absent with `--no-secret`. Never logged. */
    credentials: z.string().optional(),
    /** A path to the credentials file (values files name a file; the CLI reads it into `credentials`). */
    credentialsFile: z.string().optional(),
    /**
     * The volume repositories' password. When absent, install keeps the one already in the cluster or
     * generates a random one; it is never a constant and never printed except by `--dry-run -o`.
     */
    repositoryPassword: z.string().min(16, 'must be at least 16 characters').optional(),
    server: z
      .object({
        logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
        metricsPort: z.number().int().min(1).max(65535).default(8085),
        defaultBackupTtl: duration.default('720h'),
        storeValidationFrequency: duration.default('1m'),
        concurrentBackups: z.number().int().min(1).default(1),
        concurrentRestores: z.number().int().min(1).default(1),
        replicas: z.number().int().min(1).default(1),
        /** Extra `lifeboat server` arguments, appended as they are. */
        extraArgs: z.array(z.string()).default(() => []),
      })
      .strict()
      .default({
        logLevel: 'info',
        metricsPort: 8085,
        defaultBackupTtl: '720h',
        storeValidationFrequency: '1m',
        concurrentBackups: 1,
        concurrentRestores: 1,
        replicas: 1,
        extraArgs: [],
      }),
    serverResources: resources({
      requests: { cpu: '500m', memory: '256Mi' },
      limits: { cpu: '2', memory: '1Gi' },
    }),
    nodeAgent: z
      .object({
        enabled: z.boolean().default(false),
        resources: resources({
          requests: { cpu: '250m', memory: '256Mi' },
          limits: { cpu: '2', memory: '2Gi' },
        }),
        /** The kubelet's pods directory on the nodes. */
        podsPath: z.string().startsWith('/', 'must be an absolute path').default('/var/lib/kubelet/pods'),
      })
      .strict()
      .default({
        enabled: false,
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '2Gi' } },
        podsPath: '/var/lib/kubelet/pods',
      }),
    labels: z.record(z.string(), z.string()).default(() => ({})),
  })
  .strict()
  .superRefine((values, ctx) => {
    const location = values.backupLocation;
    if (location?.provider === 'fs' && !location.config.root)
      ctx.addIssue({
        code: 'custom',
        path: ['backupLocation', 'config', 'root'],
        message: 'the fs provider needs config root=<directory> (the directory that holds the bucket)',
      });
    if (location)
      for (const key of Object.keys(location.config))
        if (!['bucket', 'prefix', 'caCert', ...PROVIDER_CONFIG_KEYS[location.provider]].includes(key))
          ctx.addIssue({
            code: 'custom',
            path: ['backupLocation', 'config', key],
            message: `is not a config key of provider ${location.provider} (known: ${PROVIDER_CONFIG_KEYS[location.provider].join(', ')})`,
          });
    if (location?.provider === 'fs' && /[/\\]|^\.\.?$/.test(location.bucket))
      ctx.addIssue({
        code: 'custom',
        path: ['backupLocation', 'bucket'],
        message: 'an fs bucket is one directory name under config root',
      });
  });

export type InstallValues = z.infer<typeof installValuesSchema>;
export type InstallValuesInput = z.input<typeof installValuesSchema>;

/** The image reference the values run: `repository:tag`, the tag following `version` unless set. */
export function imageOf(values: InstallValues): string {
  return `${values.image.repository}:${values.image.tag ?? `v${values.version}`}`;
}
