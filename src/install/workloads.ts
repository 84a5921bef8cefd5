import { installAnnotations, installLabels } from './labels.ts';
import { NODE_AGENT_ACCOUNT, SERVER_ACCOUNT } from './rbac.ts';
import type { InstallObject, InstallRenderer } from './render.ts';
import { type InstallValues, imageOf } from './values.ts';

export const SERVER_DEPLOYMENT = 'lifeboat-server';
export const NODE_AGENT_DAEMONSET = 'lifeboat-node-agent';
/** Where the node agent sees the node's root: the kubelet's pods directory is mounted below it. */
const HOST_ROOT = '/host';

/** Non-root, read-only root, no capabilities, the runtime's default seccomp profile. */
const RESTRICTED_CONTAINER = {
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function selectorLabels(component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'lifeboat', 'app.kubernetes.io/component': component };
}

function metadataOf(values: InstallValues, name: string, component: string): InstallObject['metadata'] {
  return {
    name,
    namespace: values.namespace,
    labels: { ...installLabels(values), ...selectorLabels(component) },
    annotations: installAnnotations(values),
  };
}

/** `lifeboat server` with the values' options, as the container's arguments (the image's entry point is the CLI). */
export function serverArgs(values: InstallValues): string[] {
  const s = values.server;
  return [
    'server',
    `--namespace=${values.namespace}`,
    `--metrics-address=:${s.metricsPort}`,
    `--log-level=${s.logLevel}`,
    `--default-backup-ttl=${s.defaultBackupTtl}`,
    `--store-validation-frequency=${s.storeValidationFrequency}`,
    `--concurrent-backups=${s.concurrentBackups}`,
    `--concurrent-restores=${s.concurrentRestores}`,
    ...s.extraArgs,
  ];
}

const namespaceEnv = {
  name: 'LIFEBOAT_NAMESPACE',
  valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
};

/** The server Deployment: probes on the metrics port, a writable /tmp, nothing else writable. */
export const renderServerDeployment: InstallRenderer = (values) => {
  if (values.crdsOnly) return [];
  const port = values.server.metricsPort;
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: 'metrics' },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold: 3,
  });
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: metadataOf(values, SERVER_DEPLOYMENT, 'server'),
      spec: {
        replicas: values.server.replicas,
        selector: { matchLabels: selectorLabels('server') },
        // One leader at a time runs the controllers: replace rather than surge.
        strategy: { type: 'Recreate' },
        template: {
          metadata: {
            labels: { ...installLabels(values), ...selectorLabels('server') },
            annotations: {
              ...installAnnotations(values),
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': String(port),
            },
          },
          spec: {
            serviceAccountName: SERVER_ACCOUNT,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'server',
                image: imageOf(values),
                imagePullPolicy: values.image.pullPolicy,
                args: serverArgs(values),
                env: [namespaceEnv, { name: 'TMPDIR', value: '/tmp' }],
                ports: [{ name: 'metrics', containerPort: port, protocol: 'TCP' }],
                livenessProbe: { ...probe('/healthz', 20), initialDelaySeconds: 10 },
                readinessProbe: probe('/readyz', 10),
                resources: values.serverResources,
                securityContext: RESTRICTED_CONTAINER,
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    },
  ];
};

/**
 * The node agent on every node, reading the kubelet's pods directory through a hostPath. It runs as root
 * (other pods' files belong to their users) but without privileges or capabilities beyond reading and
 * restoring ownership; docs/install.md says what a real cluster's policies must allow.
 */
export const renderNodeAgentDaemonSet: InstallRenderer = (values) => {
  if (values.crdsOnly || !values.nodeAgent.enabled) return [];
  const podsPath = values.nodeAgent.podsPath;
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: metadataOf(values, NODE_AGENT_DAEMONSET, 'node-agent'),
      spec: {
        selector: { matchLabels: selectorLabels('node-agent') },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: {
            labels: { ...installLabels(values), ...selectorLabels('node-agent') },
            annotations: installAnnotations(values),
          },
          spec: {
            serviceAccountName: NODE_AGENT_ACCOUNT,
            securityContext: { runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } },
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: 'node-agent',
                image: imageOf(values),
                imagePullPolicy: values.image.pullPolicy,
                args: ['node-agent', `--namespace=${values.namespace}`, `--host-root=${HOST_ROOT}`],
                env: [
                  namespaceEnv,
                  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                  { name: 'TMPDIR', value: '/tmp' },
                ],
                resources: values.nodeAgent.resources,
                securityContext: {
                  readOnlyRootFilesystem: true,
                  allowPrivilegeEscalation: false,
                  capabilities: {
                    drop: ['ALL'],
                    add: ['CHOWN', 'DAC_READ_SEARCH', 'DAC_OVERRIDE', 'FOWNER'],
                  },
                },
                volumeMounts: [
                  { name: 'pods', mountPath: `${HOST_ROOT}${podsPath}`, mountPropagation: 'HostToContainer' },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'pods', hostPath: { path: podsPath, type: 'Directory' } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
      },
    },
  ];
};
