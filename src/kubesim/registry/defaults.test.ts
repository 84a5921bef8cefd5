import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyCreateDefaults } from './defaults.ts';
import { createBuiltinRegistry } from './registry.ts';
import type { KubeObject, ResourceType } from './types.ts';

const registry = createBuiltinRegistry();

function typeOf(group: string, resource: string): ResourceType {
  const t = registry.find(group, resource);
  assert.ok(t);
  return t;
}

function defaulted(group: string, resource: string, obj: KubeObject): KubeObject {
  return applyCreateDefaults(typeOf(group, resource), structuredClone(obj));
}

const templateDefaults = {
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
  schedulerName: 'default-scheduler',
};

test('a minimal pod gets what kubectl get -o yaml shows on a real cluster', () => {
  const pod = defaulted('', 'pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
  });
  assert.deepEqual(pod.spec, {
    containers: [
      {
        name: 'nginx',
        image: 'nginx',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        imagePullPolicy: 'Always',
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        resources: {},
      },
    ],
    ...templateDefaults,
    enableServiceLinks: true,
    serviceAccountName: 'default',
    serviceAccount: 'default',
    tolerations: [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ],
    priority: 0,
    preemptionPolicy: 'PreemptLowerPriority',
  });
  assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });
});

test('imagePullPolicy follows the image tag', () => {
  const policy = (image: string): unknown => {
    const pod = defaulted('', 'pods', {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image }] },
    });
    return (pod.spec as { containers: { imagePullPolicy: string }[] }).containers[0].imagePullPolicy;
  };
  assert.equal(policy('nginx'), 'Always');
  assert.equal(policy('nginx:latest'), 'Always');
  assert.equal(policy('nginx:1.27'), 'IfNotPresent');
  assert.equal(policy('localhost:5000/nginx'), 'Always');
  assert.equal(policy('localhost:5000/nginx:1.2'), 'IfNotPresent');
  assert.equal(policy('nginx@sha256:abc'), 'IfNotPresent');
});

test('pod QoS class and requests defaulted from limits', () => {
  const guaranteed = defaulted('', 'pods', {
    metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'c', image: 'x:1', resources: { limits: { cpu: '500m', memory: '128Mi' } } }],
    },
  });
  assert.equal((guaranteed.status as { qosClass: string }).qosClass, 'Guaranteed');
  assert.deepEqual((guaranteed.spec as { containers: { resources: unknown }[] }).containers[0].resources, {
    limits: { cpu: '500m', memory: '128Mi' },
    requests: { cpu: '500m', memory: '128Mi' },
  });
  const burstable = defaulted('', 'pods', {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'x:1', resources: { requests: { cpu: '100m' } } }] },
  });
  assert.equal((burstable.status as { qosClass: string }).qosClass, 'Burstable');
});

test('existing tolerations and priority classes are respected', () => {
  const pod = defaulted('', 'pods', {
    metadata: { name: 'p' },
    spec: {
      priorityClassName: 'system-node-critical',
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'c', image: 'x:1' }],
    },
  });
  const spec = pod.spec as { tolerations: unknown[]; priority: number };
  assert.deepEqual(spec.tolerations, [{ operator: 'Exists' }]);
  assert.equal(spec.priority, 2000001000);
});

test('volumes get file modes and an emptyDir when they name no source', () => {
  const pod = defaulted('', 'pods', {
    metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'c', image: 'x:1' }],
      volumes: [
        { name: 'cfg', configMap: { name: 'c' } },
        { name: 'scratch' },
        { name: 'host', hostPath: { path: '/x' } },
      ],
    },
  });
  assert.deepEqual((pod.spec as { volumes: unknown }).volumes, [
    { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } },
    { name: 'scratch', emptyDir: {} },
    { name: 'host', hostPath: { path: '/x', type: '' } },
  ]);
});

test('deployment defaults, with the pod template defaulted but not admitted', () => {
  const deploy = defaulted('apps', 'deployments', {
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
      },
    },
  });
  const spec = deploy.spec as Record<string, unknown>;
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
  });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  const podSpec = (spec.template as { spec: Record<string, unknown> }).spec;
  assert.equal(podSpec.restartPolicy, 'Always');
  assert.equal(podSpec.serviceAccountName, undefined);
  assert.equal(podSpec.enableServiceLinks, undefined);
  const recreate = defaulted('apps', 'deployments', {
    metadata: { name: 'w' },
    spec: { strategy: { type: 'Recreate' } },
  });
  assert.deepEqual((recreate.spec as { strategy: unknown }).strategy, { type: 'Recreate' });
});

test('statefulset and daemonset defaults', () => {
  const sts = defaulted('apps', 'statefulsets', {
    metadata: { name: 'db' },
    spec: {
      template: { spec: { containers: [] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
    },
  });
  const s = sts.spec as Record<string, unknown>;
  assert.equal(s.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(s.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(s.replicas, 1);
  assert.equal(s.revisionHistoryLimit, 10);
  assert.deepEqual(s.volumeClaimTemplates, [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    },
  ]);
  const ds = defaulted('apps', 'daemonsets', {
    metadata: { name: 'agent' },
    spec: { template: { spec: {} } },
  });
  assert.deepEqual((ds.spec as { updateStrategy: unknown }).updateStrategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  });
});

test('a job gets counts, policies and the controller-uid selector and labels', () => {
  const job = defaulted('batch', 'jobs', {
    metadata: { name: 'pi', uid: '0d9c2b4e-1111-4222-8333-444455556666' },
    spec: {
      template: { metadata: { labels: { app: 'pi' } }, spec: { restartPolicy: 'Never', containers: [] } },
    },
  });
  const spec = job.spec as Record<string, unknown>;
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.completions, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
  const uid = '0d9c2b4e-1111-4222-8333-444455556666';
  const labels = {
    app: 'pi',
    'job-name': 'pi',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': uid,
    'batch.kubernetes.io/controller-uid': uid,
  };
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
  assert.deepEqual((spec.template as { metadata: { labels: unknown } }).metadata.labels, labels);
  assert.deepEqual(job.metadata.labels, labels);
  assert.equal((spec.template as { spec: { restartPolicy: string } }).spec.restartPolicy, 'Never');

  const parallel = defaulted('batch', 'jobs', {
    metadata: { name: 'p', uid: 'u' },
    spec: { parallelism: 3, template: {} },
  });
  assert.equal((parallel.spec as { completions?: number }).completions, undefined);
  const manual = defaulted('batch', 'jobs', {
    metadata: { name: 'm', uid: 'u', labels: { own: 'x' } },
    spec: {
      manualSelector: true,
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } } },
    },
  });
  assert.deepEqual((manual.spec as { selector: unknown }).selector, { matchLabels: { a: 'b' } });
  assert.deepEqual(manual.metadata.labels, { own: 'x' });
});

test('cron job defaults', () => {
  const cj = defaulted('batch', 'cronjobs', {
    metadata: { name: 'c' },
    spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
  });
  const spec = cj.spec as Record<string, unknown>;
  assert.equal(spec.concurrencyPolicy, 'Allow');
  assert.equal(spec.suspend, false);
  assert.equal(spec.successfulJobsHistoryLimit, 3);
  assert.equal(spec.failedJobsHistoryLimit, 1);
  assert.equal(
    (spec.jobTemplate as { spec: { template: { spec: { schedulerName: string } } } }).spec.template.spec
      .schedulerName,
    'default-scheduler',
  );
});

test('service defaults leave IP allocation to the store', () => {
  const svc = defaulted('', 'services', {
    metadata: { name: 'web' },
    spec: {
      selector: { app: 'web' },
      ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }],
    },
  });
  assert.deepEqual(svc.spec, {
    selector: { app: 'web' },
    ports: [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 53, protocol: 'UDP', targetPort: 'dns' },
    ],
    sessionAffinity: 'None',
    type: 'ClusterIP',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
  assert.deepEqual(svc.status, { loadBalancer: {} });
  const lb = defaulted('', 'services', {
    metadata: { name: 'lb' },
    spec: { type: 'LoadBalancer', ports: [] },
  });
  const lbSpec = lb.spec as Record<string, unknown>;
  assert.equal(lbSpec.externalTrafficPolicy, 'Cluster');
  assert.equal(lbSpec.allocateLoadBalancerNodePorts, true);
  const ext = defaulted('', 'services', {
    metadata: { name: 'e' },
    spec: { type: 'ExternalName', externalName: 'x.io' },
  });
  assert.equal((ext.spec as Record<string, unknown>).ipFamilies, undefined);
  const headless = defaulted('', 'services', { metadata: { name: 'h' }, spec: { clusterIP: 'None' } });
  assert.equal((headless.spec as Record<string, unknown>).ipFamilyPolicy, 'RequireDualStack');
});

test('namespace, secret, volume and claim defaults', () => {
  const ns = defaulted('', 'namespaces', { metadata: { name: 'demo', labels: { team: 'a' } } });
  assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(ns.status, { phase: 'Active' });
  assert.deepEqual(ns.metadata.labels, { team: 'a', 'kubernetes.io/metadata.name': 'demo' });
  assert.equal(defaulted('', 'secrets', { metadata: { name: 's' } }).type, 'Opaque');
  assert.equal(
    defaulted('', 'secrets', { metadata: { name: 's' }, type: 'kubernetes.io/tls' }).type,
    'kubernetes.io/tls',
  );
  const pvc = defaulted('', 'persistentvolumeclaims', { metadata: { name: 'c' }, spec: {} });
  assert.deepEqual(pvc.spec, { volumeMode: 'Filesystem' });
  assert.deepEqual(pvc.status, { phase: 'Pending' });
  const pv = defaulted('', 'persistentvolumes', { metadata: { name: 'v' }, spec: {} });
  assert.deepEqual(pv.spec, { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' });
  const provisioned = defaulted('', 'persistentvolumes', {
    metadata: { name: 'v' },
    spec: { persistentVolumeReclaimPolicy: 'Delete' },
  });
  assert.equal((provisioned.spec as Record<string, unknown>).persistentVolumeReclaimPolicy, 'Delete');
});

test('service accounts, config maps and custom resources pass through unchanged', () => {
  const sa = { metadata: { name: 'default' } };
  assert.deepEqual(defaulted('', 'serviceaccounts', sa), sa);
  const cm = { metadata: { name: 'c' }, data: { a: '1' } };
  assert.deepEqual(defaulted('', 'configmaps', cm), cm);
});

test('cluster-level defaults: storage class, CSI driver, priority class, HPA, network policy, CRD', () => {
  const sc = defaulted('storage.k8s.io', 'storageclasses', { metadata: { name: 'sc' }, provisioner: 'p' });
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'Immediate');
  const driver = defaulted('storage.k8s.io', 'csidrivers', { metadata: { name: 'd' }, spec: {} });
  assert.deepEqual(driver.spec, {
    attachRequired: true,
    podInfoOnMount: false,
    storageCapacity: false,
    fsGroupPolicy: 'ReadWriteOnceWithFSType',
    requiresRepublish: false,
    volumeLifecycleModes: ['Persistent'],
    seLinuxMount: false,
  });
  assert.equal(
    defaulted('scheduling.k8s.io', 'priorityclasses', { metadata: { name: 'p' }, value: 1 }).preemptionPolicy,
    'PreemptLowerPriority',
  );
  const hpa = defaulted('autoscaling', 'horizontalpodautoscalers', {
    apiVersion: 'autoscaling/v2',
    metadata: { name: 'h' },
    spec: { maxReplicas: 3 },
  });
  assert.deepEqual((hpa.spec as Record<string, unknown>).metrics, [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
  ]);
  assert.equal((hpa.spec as Record<string, unknown>).minReplicas, 1);
  const np = defaulted('networking.k8s.io', 'networkpolicies', {
    metadata: { name: 'n' },
    spec: { egress: [{ ports: [{ port: 53 }] }] },
  });
  assert.deepEqual(np.spec, {
    egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }],
    podSelector: {},
    policyTypes: ['Ingress', 'Egress'],
  });
  const crd = defaulted('apiextensions.k8s.io', 'customresourcedefinitions', {
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { plural: 'widgets', kind: 'Widget' },
      scope: 'Namespaced',
      versions: [],
    },
  });
  assert.deepEqual((crd.spec as Record<string, unknown>).names, {
    plural: 'widgets',
    kind: 'Widget',
    singular: 'widget',
    listKind: 'WidgetList',
  });
  assert.deepEqual((crd.spec as Record<string, unknown>).conversion, { strategy: 'None' });
  const binding = defaulted('rbac.authorization.k8s.io', 'rolebindings', {
    metadata: { name: 'b' },
    subjects: [
      { kind: 'User', name: 'jane' },
      { kind: 'ServiceAccount', name: 'default', namespace: 'd' },
    ],
  });
  assert.deepEqual(binding.subjects, [
    { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
    { kind: 'ServiceAccount', name: 'default', namespace: 'd' },
  ]);
});
