import { z } from 'zod';
import { PROVIDER_CONFIG_KEYS, STORAGE_PROVIDERS } from '../storage/factory.ts';

/** The name of the storage location `install` creates, as in Velero. */
export const DEFAULT_LOCATION_NAME = 'default';
/** The Secret holding the credentials file `--secret-file` names, and its key (Velero's `cloud-credentials`/`cloud`). */
export const CREDENTIALS_SECRET_NAME = 'cloud-credentials';
export const CREDENTIALS_SECRET_KEY = 'cloud';

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (lower case letters, digits, dashes)')
  .max(63);

/**
 * Everything `lifeboat install` renders, in one object: each renderer reads the part it needs. Later issues
 * add the server Deployment, RBAC and the node agent here.
 */
export const installValuesSchema = z
  .object({
    namespace: dnsLabel.default('lifeboat'),
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
      .optional(),
    /** The text of the credentials file; absent with `--no-secret`. Never logged. */
    credentials: z.string().optional(),
    labels: z.record(z.string(), z.string()).default(() => ({})),
  })
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
