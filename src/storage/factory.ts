import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf, LifeboatError } from '../core/errors.ts';
import { parseAwsCredentialsFile } from './aws-credentials.ts';
import { createAzureObjectStore } from './azure.ts';
import { createFsObjectStore, type FsUrlSigner } from './fs.ts';
import type { ObjectStore } from './object-store.ts';
import { createS3ObjectStore } from './s3.ts';

/** The storage providers a BackupStorageLocation may name (`velero.io/` and `lifeboat.io/` forms accepted). */
export const STORAGE_PROVIDERS = ['fs', 'aws', 'azure'] as const;
export type StorageProvider = (typeof STORAGE_PROVIDERS)[number];

/** Config keys every provider accepts (Velero passes them to every object-store plugin). */
const COMMON_KEYS = ['bucket', 'prefix', 'caCert'];

/** The `spec.config` keys of each provider: Velero's plugin keys, plus `root` for fs (Lifeboat's own). */
export const PROVIDER_CONFIG_KEYS: Readonly<Record<StorageProvider, readonly string[]>> = {
  fs: ['root'],
  aws: [
    'region',
    's3Url',
    'publicUrl',
    'kmsKeyId',
    'customerKeyEncryptionFile',
    'customerKeyEncryptionSecret',
    's3ForcePathStyle',
    'signatureVersion',
    'credentialsFile',
    'profile',
    'serverSideEncryption',
    'insecureSkipTLSVerify',
    'enableSharedConfig',
    'tagging',
    'checksumAlgorithm',
  ],
  azure: [
    'storageAccount',
    'resourceGroup',
    'subscriptionId',
    'storageAccountKeyEnvVar',
    'storageAccountURI',
    'blockSizeInBytes',
    'useAAD',
    'activeDirectoryAuthorityURI',
    'credentialsFile',
  ],
};

export interface ObjectStoreFactoryOptions {
  /** Makes download URLs for `fs` locations (the server's tokenized URLs). */
  fsSigner?: FsUrlSigner;
  /**
   * Environment variables, for Azure's `storageAccountKeyEnvVar` when the credentials do not hold it. Passed
   * in by the entry point (no module reads `process.env`).
   */
  env?: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_AZURE_KEY_VARIABLE = 'AZURE_STORAGE_ACCOUNT_ACCESS_KEY';

/**
 * Builds the ObjectStore of a BackupStorageLocation from its provider, `objectStorage.bucket` and `.prefix`,
 * its `config` map (Velero's keys, validated: an unknown or unsupported key is `Invalid` naming
 * `spec.config.<key>`) and the text of its credential Secret, if any:
 * - `fs`: `config.root` is a directory whose sub-directory `<bucket>` plays the bucket.
 * - `aws`: `region`, `s3Url`, `s3ForcePathStyle`, `insecureSkipTLSVerify`, `caCert` (PEM, or base64 of it),
 *   `publicUrl`, `serverSideEncryption`, `kmsKeyId`, `tagging`, `checksumAlgorithm`; the credentials are an
 *   AWS credentials file (`profile` selects the section), else `credentialsFile`, else the SDK's chain.
 * - `azure`: `storageAccount`, `storageAccountURI`, `blockSizeInBytes`; the credentials are env-style
 *   `NAME=value` lines holding the account key under `storageAccountKeyEnvVar` (default
 *   AZURE_STORAGE_ACCOUNT_ACCESS_KEY), or AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_SAS_TOKEN.
 *   `resourceGroup` and `subscriptionId` are accepted and unused (they serve key lookup through Azure AD,
 *   which is not supported).
 * Nothing is contacted here; credentials never appear in errors.
 */
export async function createObjectStore(
  provider: string,
  bucket: string,
  prefix: string | undefined,
  config: Readonly<Record<string, string>>,
  credentials?: string,
  options: ObjectStoreFactoryOptions = {},
): Promise<ObjectStore> {
  const name = normalizeProvider(provider);
  checkKeys(name, config);
  switch (name) {
    case 'fs':
      return fsStore(bucket, prefix, config, options);
    case 'aws':
      return awsStore(bucket, prefix, config, credentials);
    case 'azure':
      return azureStore(bucket, prefix, config, credentials, options);
  }
}

/** `aws`, `velero.io/aws` and `lifeboat.io/aws` are the same provider; anything unknown is `Invalid`. */
export function normalizeProvider(provider: string): StorageProvider {
  const bare = provider.replace(/^(velero|lifeboat)\.io\//, '');
  if ((STORAGE_PROVIDERS as readonly string[]).includes(bare)) return bare as StorageProvider;
  throw new LifeboatError(
    'Invalid',
    `unknown storage provider ${JSON.stringify(provider)} (known: ${STORAGE_PROVIDERS.join(', ')})`,
    { field: 'spec.provider' },
  );
}

function checkKeys(provider: StorageProvider, config: Readonly<Record<string, string>>): void {
  const allowed = new Set([...COMMON_KEYS, ...PROVIDER_CONFIG_KEYS[provider]]);
  for (const key of Object.keys(config))
    if (!allowed.has(key))
      throw new LifeboatError(
        'Invalid',
        `config key ${JSON.stringify(key)} is not valid for provider ${provider}`,
        {
          field: `spec.config.${key}`,
        },
      );
}

function fsStore(
  bucket: string,
  prefix: string | undefined,
  config: Readonly<Record<string, string>>,
  options: ObjectStoreFactoryOptions,
): ObjectStore {
  if (!config.root)
    throw new LifeboatError(
      'Invalid',
      'the fs provider needs config root (the directory that holds buckets)',
      {
        field: 'spec.config.root',
      },
    );
  if (!bucket || bucket.includes('/') || bucket === '.' || bucket === '..')
    throw new LifeboatError('Invalid', `fs bucket ${JSON.stringify(bucket)} must be one directory name`, {
      field: 'spec.objectStorage.bucket',
    });
  return createFsObjectStore({ root: join(config.root, bucket), prefix, signer: options.fsSigner });
}

function awsStore(
  bucket: string,
  prefix: string | undefined,
  config: Readonly<Record<string, string>>,
  credentials: string | undefined,
): ObjectStore {
  for (const key of ['customerKeyEncryptionFile', 'customerKeyEncryptionSecret'])
    if (config[key])
      throw new LifeboatError(
        'Invalid',
        `config ${key} (SSE-C) is not supported by Lifeboat's aws provider`,
        {
          field: `spec.config.${key}`,
        },
      );
  if (config.signatureVersion && config.signatureVersion !== '4')
    throw new LifeboatError(
      'Invalid',
      `config signatureVersion ${config.signatureVersion} is not supported (only 4)`,
      {
        field: 'spec.config.signatureVersion',
      },
    );
  return createS3ObjectStore({
    bucket,
    prefix,
    region: config.region || undefined,
    endpoint: config.s3Url || undefined,
    publicUrl: config.publicUrl || undefined,
    forcePathStyle: parseBool(config, 's3ForcePathStyle'),
    insecureSkipTLSVerify: parseBool(config, 'insecureSkipTLSVerify'),
    caBundle: config.caCert ? pemOf(config.caCert) : undefined,
    credentials: credentials ? parseAwsCredentialsFile(credentials, config.profile || 'default') : undefined,
    credentialsFile: credentials ? undefined : config.credentialsFile || undefined,
    profile: config.profile || undefined,
    serverSideEncryption: config.serverSideEncryption || undefined,
    kmsKeyId: config.kmsKeyId || undefined,
    tagging: config.tagging || undefined,
    checksumAlgorithm: config.checksumAlgorithm || undefined,
  });
}

async function azureStore(
  bucket: string,
  prefix: string | undefined,
  config: Readonly<Record<string, string>>,
  credentials: string | undefined,
  options: ObjectStoreFactoryOptions,
): Promise<ObjectStore> {
  if (parseBool(config, 'useAAD'))
    throw new LifeboatError(
      'Invalid',
      'config useAAD (Azure AD authentication) is not supported; give the storage account key in the credentials',
      { field: 'spec.config.useAAD' },
    );
  const text =
    credentials ?? (config.credentialsFile ? await readCredentialsFile(config.credentialsFile) : '');
  const vars = parseEnvFile(text);
  const lookup = (name: string): string | undefined => vars.get(name) || options.env?.[name] || undefined;
  const keyVariable = config.storageAccountKeyEnvVar || DEFAULT_AZURE_KEY_VARIABLE;
  const accountKey = lookup(keyVariable);
  const connectionString = accountKey ? undefined : lookup('AZURE_STORAGE_CONNECTION_STRING');
  const sasToken = accountKey || connectionString ? undefined : lookup('AZURE_STORAGE_SAS_TOKEN');
  if (!accountKey && !connectionString && !sasToken)
    throw new LifeboatError(
      'Invalid',
      `no credentials for storage account ${config.storageAccount ?? '(unset)'}: set ${keyVariable} in the credentials`,
      { field: 'spec.credential' },
    );
  if (!connectionString && !config.storageAccount)
    throw new LifeboatError('Invalid', 'the azure provider needs config storageAccount', {
      field: 'spec.config.storageAccount',
    });
  const blockSize = config.blockSizeInBytes ? Number(config.blockSizeInBytes) : undefined;
  if (blockSize !== undefined && !(Number.isSafeInteger(blockSize) && blockSize > 0))
    throw new LifeboatError('Invalid', `config blockSizeInBytes must be a positive integer`, {
      field: 'spec.config.blockSizeInBytes',
    });
  return createAzureObjectStore({
    container: bucket,
    prefix,
    accountName: config.storageAccount || undefined,
    accountKey,
    connectionString,
    sasToken,
    endpoint: config.storageAccountURI || undefined,
    blockSize,
  });
}

/** Go's strconv.ParseBool, as Velero parses boolean config values; unset is false. */
function parseBool(config: Readonly<Record<string, string>>, key: string): boolean {
  const value = config[key];
  if (value === undefined || value === '') return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new LifeboatError('Invalid', `config ${key} must be true or false, got ${JSON.stringify(value)}`, {
    field: `spec.config.${key}`,
  });
}

/** A CA bundle given as PEM text, or as base64 of PEM text (as BackupStorageLocation `caCert` bytes are). */
function pemOf(caCert: string): string {
  if (caCert.includes('-----BEGIN')) return caCert;
  const decoded = Buffer.from(caCert, 'base64').toString('utf8');
  if (decoded.includes('-----BEGIN')) return decoded;
  throw new LifeboatError('Invalid', 'config caCert is neither PEM nor base64-encoded PEM', {
    field: 'spec.config.caCert',
  });
}

/** `NAME=value` lines (optionally `export NAME=value`, quoted values, `#` comments), as Velero's Azure secret. */
export function parseEnvFile(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]))
      value = value.slice(1, -1);
    vars.set(line.slice(0, eq).trim(), value);
  }
  return vars;
}

async function readCredentialsFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = errnoOf(err) ?? 'error';
    throw new LifeboatError('Invalid', `cannot read credentials file ${path} (${code})`, {
      field: 'spec.config.credentialsFile',
    });
  }
}
