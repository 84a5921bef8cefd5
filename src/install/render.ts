import { API_VERSION, CRD_LABELS, crdManifests, formatIssues, validateResource } from '../api/index.ts';
import { LifeboatError } from '../core/errors.ts';
import {
  CREDENTIALS_SECRET_KEY,
  CREDENTIALS_SECRET_NAME,
  type InstallValues,
  type InstallValuesInput,
  installValuesSchema,
} from './values.ts';

/** One manifest of the install set: a plain Kubernetes object, ready to apply or print. */
export type InstallObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
};

/** Turns the values into the manifests of one concern; the install set is the concatenation of them all. */
export type InstallRenderer = (values: InstallValues) => InstallObject[];

/**
 * Parses and checks raw install values (flags already split up); a problem is a `Usage` error naming the
 * value (`backupLocation.config.root`), so the CLI exits 2.
 */
export function parseInstallValues(input: InstallValuesInput): InstallValues {
  const result = installValuesSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.map(String).join('.');
  throw new LifeboatError(
    'Usage',
    result.error.issues.map((i) => `${i.path.map(String).join('.') || 'values'}: ${i.message}`).join('; '),
    { field },
  );
}

function labelsOf(values: InstallValues): Record<string, string> {
  return { ...CRD_LABELS, ...values.labels };
}

const renderCrds: InstallRenderer = (values) =>
  crdManifests().map((crd) => ({
    ...crd,
    metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...values.labels } },
  }));

const renderNamespace: InstallRenderer = (values) =>
  values.crdsOnly
    ? []
    : [
        {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: values.namespace, labels: labelsOf(values) },
        },
      ];

const renderCredentialsSecret: InstallRenderer = (values) =>
  values.crdsOnly || values.credentials === undefined
    ? []
    : [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: CREDENTIALS_SECRET_NAME, namespace: values.namespace, labels: labelsOf(values) },
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
    metadata: { name: location.name, namespace: values.namespace, labels: labelsOf(values) },
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

/**
 * The renderers of the install set, in apply order: CRDs first (the location needs its CRD Established),
 * then the namespace and what lives in it. Later issues append RBAC, the Deployment and the node agent.
 */
export const INSTALL_RENDERERS: readonly InstallRenderer[] = [
  renderCrds,
  renderNamespace,
  renderCredentialsSecret,
  renderBackupLocation,
];

/** The install set for `values`: pure, the same objects on every call, in apply order. */
export function renderInstall(values: InstallValues): InstallObject[] {
  return INSTALL_RENDERERS.flatMap((render) => render(values));
}
