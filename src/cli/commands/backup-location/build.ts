import { readFileSync } from 'node:fs';
import { UsageError } from '../../../core/errors.ts';

/** `--credential secret=key` (Velero's form) as a SecretKeySelector. */
export function credentialFlag(value: string): { name: string; key: string } {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1)
    throw new UsageError(`--credential: expected <secret name>=<key>, got ${JSON.stringify(value)}`);
  return { name: value.slice(0, eq), key: value.slice(eq + 1) };
}

/** `--cacert <file>`: the PEM file's content, base64 as the resource stores it. */
export function caCertFlag(path: string): string {
  try {
    return readFileSync(path).toString('base64');
  } catch (err) {
    throw new UsageError(`--cacert: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export const LOCATION_FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  'metadata.name': 'NAME',
  'metadata.labels': '--labels',
  'spec.provider': '--provider',
  'spec.objectStorage.bucket': '--bucket',
  'spec.objectStorage.prefix': '--prefix',
  'spec.objectStorage.caCert': '--cacert',
  'spec.config': '--config',
  'spec.credential': '--credential',
  'spec.accessMode': '--access-mode',
  'spec.backupSyncPeriod': '--backup-sync-period',
  'spec.validationFrequency': '--validation-frequency',
};
