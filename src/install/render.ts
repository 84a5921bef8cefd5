import { API_VERSION, crdManifests, formatIssues, validateResource } from '../api/index.ts';
import { LifeboatError } from '../core/errors.ts';
import { installAnnotations, installLabels } from './labels.ts';
import { renderNodeAgentRbac, renderServerRbac } from './rbac.ts';
import {
  CREDENTIALS_SECRET_KEY,
  CREDENTIALS_SECRET_NAME,
  type InstallValues,
  type InstallValuesInput,
  installValuesSchema,
  REPOSITORY_SECRET_KEY,
  REPOSITORY_SECRET_NAME,
} from './values.ts';
import { renderNodeAgentDaemonSet, renderServerDeployment } from './workloads.ts';

/** One manifest of the install set: a plain Kubernetes object, ready to apply or print. */
export type InstallObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
};

/** Turns the values into the manifests of one concern; the install set is the concatenation of them all. */
export type InstallRenderer = (values: InstallValues) => InstallObject[];

/**
 * Parses and checks raw install values (values file and flags merged); a problem is a `Usage` error naming
 * the value (`values.serverResources.limits.memory: …`), so the CLI exits 2.
 */
export function parseInstallValues(input: InstallValuesInput): InstallValues {
  const result = installValuesSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = ['values', ...issue.path.map(String)].join('.');
  throw new LifeboatError('Usage', result.error.issues.map(describeIssue).join('; '), { field });
}

function describeIssue(issue: {
  path: readonly PropertyKey[];
  message: string;
  code: string;
  keys?: string[];
}): string {
  const path = ['values', ...issue.path.map(String)].join('.');
  // Zod reports unknown keys on the parent; name each key, as a misspelt setting is the usual cause.
  if (issue.code === 'unrecognized_keys' && issue.keys)
    return issue.keys.map((k) => `${path}.${k}: is not a setting`).join('; ');
  return `${path}: ${issue.message}`;
}

function metadataOf(values: InstallValues, name: string, namespace?: string): InstallObject['metadata'] {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: installLabels(values),
    annotations: installAnnotations(values),
  };
}

const renderCrds: InstallRenderer = (values) =>
  crdManifests().map((crd) => ({
    ...crd,
    metadata: {
      ...crd.metadata,
      labels: { ...crd.metadata.labels, ...installLabels(values) },
      annotations: {
        ...(crd.metadata as { annotations?: Record<string, string> }).annotations,
        ...installAnnotations(values),
      },
    },
  }));

const renderNamespace: InstallRenderer = (values) =>
  values.crdsOnly
    ? []
    : [
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: metadataOf(values, values.namespace),
        },
      ];

const renderCredentialsSecret: InstallRenderer = (values) =>
  values.crdsOnly || values.credentials === undefined
    ? []
    : [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: metadataOf(values, CREDENTIALS_SECRET_NAME, values.namespace),
          type: 'Opaque',
          data: { [CREDENTIALS_SECRET_KEY]: Buffer.from(values.credentials, 'utf8').toString('base64') },
        },
      ];

const renderBackupLocation: InstallRenderer = (values) => {
  const location = values.backupLocation;
  if (values.crdsOnly || location === undefined) return [];
  const object = {
    apiVersion: API_VERSION,
    kind: 'BackupStorageLocation',
    metadata: metadataOf(values, location.name, values.namespace),
    spec: {
      provider: location.provider,
      default: true,
      objectStorage: { bucket: location.bucket, ...(location.prefix ? { prefix: location.prefix } : {}) },
      ...(Object.keys(location.config).length > 0 ? { config: { ...location.config } } : {}),
      ...(values.credentials !== undefined
        ? { credential: { name: CREDENTIALS_SECRET_NAME, key: CREDENTIALS_SECRET_KEY } }
        : {}),
    },
  };
  const checked = validateResource('BackupStorageLocation', object);
  if (!checked.ok)
    throw new LifeboatError('Usage', `default backup location: ${formatIssues(checked.issues)}`, {
      field: checked.issues[0]?.field,
    });
  return [object];
};

/** Rendered only when the password is known: the CLI keeps the cluster's or generates one before rendering. */
const renderRepositorySecret: InstallRenderer = (values) =>
  values.crdsOnly || values.repositoryPassword === undefined
    ? []
    : [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: metadataOf(values, REPOSITORY_SECRET_NAME, values.namespace),
          type: 'Opaque',
          data: {
            [REPOSITORY_SECRET_KEY]: Buffer.from(values.repositoryPassword, 'utf8').toString('base64'),
          },
        },
      ];

const renderSnapshotLocation: InstallRenderer = (values) => {
  const location = values.snapshotLocation;
  if (values.crdsOnly || location === undefined) return [];
  const object = {
    apiVersion: API_VERSION,
    kind: 'VolumeSnapshotLocation',
    metadata: metadataOf(values, location.name, values.namespace),
    spec: {
      provider: location.provider,
      ...(Object.keys(location.config).length > 0 ? { config: { ...location.config } } : {}),
    },
  };
  const checked = validateResource('VolumeSnapshotLocation', object);
  if (!checked.ok)
    throw new LifeboatError('Usage', `default snapshot location: ${formatIssues(checked.issues)}`, {
      field: checked.issues[0]?.field,
    });
  return [object];
};

/**
 * The renderers of the install set, in apply order: CRDs first (the locations need their CRDs Established),
 * then the namespace, RBAC and Secrets before the workloads that use them, and the locations last.
 */
export const INSTALL_RENDERERS: readonly InstallRenderer[] = [
  renderCrds,
  renderNamespace,
  renderServerRbac,
  renderNodeAgentRbac,
  renderCredentialsSecret,
  renderRepositorySecret,
  renderServerDeployment,
  renderNodeAgentDaemonSet,
  renderBackupLocation,
  renderSnapshotLocation,
];

/** The install set for `values`: pure, the same objects on every call, in apply order. */
export function renderInstall(values: InstallValues): InstallObject[] {
  return INSTALL_RENDERERS.flatMap((render) => render(values));
}
