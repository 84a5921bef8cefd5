import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBuiltinRegistry } from '../registry/registry.ts';
import type { KubeObject, ResourceType } from '../registry/types.ts';
import { toTable } from './table.ts';

const registry = createBuiltinRegistry();
const now = new Date('2026-01-01T12:00:00Z');
const created = '2026-01-01T11:55:00Z';

function typeOf(group: string, resource: string): ResourceType {
  const t = registry.find(group, resource);
  assert.ok(t);
  return t;
}

function cells(group: string, resource: string, obj: KubeObject, version = 'v1'): unknown[] {
  return toTable(typeOf(group, resource), version, [obj], { now }).rows[0].cells;
}

function columnNames(group: string, resource: string, priority = 0): string[] {
  return toTable(typeOf(group, resource), 'v1', [], { now })
    .columnDefinitions.filter((c) => c.priority === priority)
    .map((c) => c.name);
}

const runningPod: KubeObject = {
  metadata: { name: 'web-0', namespace: 'default', creationTimestamp: created, labels: { app: 'web' } },
  spec: {
    nodeName: 'node-1',
    containers: [
      { name: 'nginx', image: 'nginx' },
      { name: 'side', image: 'busybox' },
    ],
  },
  status: {
    phase: 'Running',
    podIPs: [{ ip: '10.0.0.9' }],
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [
      { name: 'nginx', ready: true, restartCount: 0, state: { running: { startedAt: created } } },
      {
        name: 'side',
        ready: true,
        restartCount: 2,
        state: { running: { startedAt: created } },
        lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T11:58:00Z' } },
      },
    ],
  },
};

test('pods print READY STATUS RESTARTS AGE and the wide columns', () => {
  assert.deepEqual(columnNames('', 'pods'), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  assert.deepEqual(columnNames('', 'pods', 1), ['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
  assert.deepEqual(cells('', 'pods', runningPod), [
    'web-0',
    '2/2',
    'Running',
    '2 (2m ago)',
    '5m',
    '10.0.0.9',
    'node-1',
    '<none>',
    '<none>',
  ]);
});

test('pod status follows the real printer through pending, init, errors, completion and deletion', () => {
  const pending: KubeObject = {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c' }] },
    status: { phase: 'Pending' },
  };
  assert.deepEqual(cells('', 'pods', pending).slice(1, 5), ['0/1', 'Pending', '0', '<unknown>']);

  const pulling: KubeObject = {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c' }] },
    status: {
      phase: 'Pending',
      containerStatuses: [{ name: 'c', state: { waiting: { reason: 'ImagePullBackOff' } } }],
    },
  };
  assert.equal(cells('', 'pods', pulling)[2], 'ImagePullBackOff');

  const initializing: KubeObject = {
    metadata: { name: 'p' },
    spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'c' }] },
    status: {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'i2', state: { running: {} } },
      ],
    },
  };
  assert.equal(cells('', 'pods', initializing)[2], 'Init:1/2');

  const initFailed: KubeObject = {
    metadata: { name: 'p' },
    spec: { initContainers: [{ name: 'i1' }], containers: [{ name: 'c' }] },
    status: {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 3 } } }],
    },
  };
  assert.equal(cells('', 'pods', initFailed)[2], 'Init:ExitCode:3');

  const completed: KubeObject = {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c' }] },
    status: {
      phase: 'Succeeded',
      containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    },
  };
  const table = toTable(typeOf('', 'pods'), 'v1', [completed], { now });
  assert.equal(table.rows[0].cells[2], 'Completed');
  assert.deepEqual(table.rows[0].conditions, [
    {
      type: 'Completed',
      status: 'True',
      reason: 'Succeeded',
      message: 'The pod has completed successfully.',
    },
  ]);

  const deleting = structuredClone(runningPod);
  deleting.metadata.deletionTimestamp = '2026-01-01T11:59:00Z';
  assert.equal(cells('', 'pods', deleting)[2], 'Terminating');

  const gated = structuredClone(runningPod);
  (gated.spec as { readinessGates: unknown[] }).readinessGates = [{ conditionType: 'www.example.com/ready' }];
  assert.equal(cells('', 'pods', gated)[8], '0/1');
});

test('deployments print READY x/y, UP-TO-DATE, AVAILABLE and the selector', () => {
  assert.deepEqual(columnNames('apps', 'deployments'), ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']);
  const deploy: KubeObject = {
    metadata: { name: 'web', creationTimestamp: created },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web', tier: 'fe' } },
      template: {
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.27' },
            { name: 'log', image: 'fluentd' },
          ],
        },
      },
    },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  assert.deepEqual(cells('apps', 'deployments', deploy), [
    'web',
    '2/3',
    3,
    2,
    '5m',
    'nginx,log',
    'nginx:1.27,fluentd',
    'app=web,tier=fe',
  ]);
});

test('services print TYPE CLUSTER-IP EXTERNAL-IP PORT(S)', () => {
  assert.deepEqual(columnNames('', 'services'), [
    'Name',
    'Type',
    'Cluster-IP',
    'External-IP',
    'Port(s)',
    'Age',
  ]);
  const svc: KubeObject = {
    metadata: { name: 'web', creationTimestamp: created },
    spec: {
      type: 'NodePort',
      clusterIPs: ['10.96.0.10'],
      ports: [
        { port: 80, nodePort: 30080, protocol: 'TCP' },
        { port: 53, protocol: 'UDP' },
      ],
      selector: { app: 'web' },
    },
  };
  assert.deepEqual(cells('', 'services', svc), [
    'web',
    'NodePort',
    '10.96.0.10',
    '<none>',
    '80:30080/TCP,53/UDP',
    '5m',
    'app=web',
  ]);
  const lb: KubeObject = { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [] }, status: {} };
  assert.deepEqual(cells('', 'services', lb).slice(1, 5), ['LoadBalancer', '<none>', '<pending>', '<none>']);
});

test('statefulsets, replica sets, jobs and cron jobs', () => {
  const sts: KubeObject = {
    metadata: { name: 'db', creationTimestamp: created },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'pg', image: 'postgres' }] } } },
    status: { readyReplicas: 1 },
  };
  assert.deepEqual(cells('apps', 'statefulsets', sts), ['db', '1/2', '5m', 'pg', 'postgres']);
  const rs: KubeObject = {
    metadata: { name: 'web-1' },
    spec: {
      replicas: 2,
      selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] },
    },
    status: { replicas: 2, readyReplicas: 1 },
  };
  assert.deepEqual(cells('apps', 'replicasets', rs).slice(1, 4), [2, 2, 1]);
  assert.equal(cells('apps', 'replicasets', rs)[7], 'tier in (a,b)');
  const job: KubeObject = {
    metadata: { name: 'pi', creationTimestamp: created },
    spec: {
      completions: 1,
      parallelism: 1,
      template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } },
    },
    status: {
      succeeded: 1,
      startTime: '2026-01-01T11:55:00Z',
      completionTime: '2026-01-01T11:55:42Z',
      conditions: [{ type: 'Complete', status: 'True' }],
    },
  };
  assert.deepEqual(cells('batch', 'jobs', job).slice(0, 5), ['pi', 'Complete', '1/1', '42s', '5m']);
  const cron: KubeObject = {
    metadata: { name: 'nightly', creationTimestamp: created },
    spec: {
      schedule: '0 3 * * *',
      suspend: false,
      jobTemplate: { spec: { template: { spec: { containers: [] } } } },
    },
    status: {},
  };
  assert.deepEqual(cells('batch', 'cronjobs', cron).slice(0, 7), [
    'nightly',
    '0 3 * * *',
    '<none>',
    'False',
    0,
    '<none>',
    '5m',
  ]);
});

test('storage kinds: PVC, PV, storage class', () => {
  const pvc: KubeObject = {
    metadata: { name: 'data', creationTimestamp: created },
    spec: { volumeName: 'pv-1', storageClassName: 'standard', volumeMode: 'Filesystem' },
    status: { phase: 'Bound', capacity: { storage: '1024Mi' }, accessModes: ['ReadWriteOnce'] },
  };
  assert.deepEqual(cells('', 'persistentvolumeclaims', pvc), [
    'data',
    'Bound',
    'pv-1',
    '1Gi',
    'RWO',
    'standard',
    '<unset>',
    '5m',
    'Filesystem',
  ]);
  const pv: KubeObject = {
    metadata: { name: 'pv-1', creationTimestamp: created },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce', 'ReadWriteOncePod'],
      persistentVolumeReclaimPolicy: 'Delete',
      claimRef: { namespace: 'default', name: 'data' },
      storageClassName: 'standard',
    },
    status: { phase: 'Bound' },
  };
  assert.deepEqual(cells('', 'persistentvolumes', pv), [
    'pv-1',
    '1Gi',
    'RWO,RWOP',
    'Delete',
    'Bound',
    'default/data',
    'standard',
    '<unset>',
    '',
    '5m',
    '<unset>',
  ]);
  const sc: KubeObject = {
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'hostpath.csi.k8s.io',
  };
  assert.deepEqual(cells('storage.k8s.io', 'storageclasses', sc).slice(0, 5), [
    'standard (default)',
    'hostpath.csi.k8s.io',
    'Delete',
    'Immediate',
    false,
  ]);
});

test('nodes, namespaces, config maps, secrets, service accounts, endpoints, leases', () => {
  const node: KubeObject = {
    metadata: {
      name: 'node-1',
      creationTimestamp: created,
      labels: { 'node-role.kubernetes.io/control-plane': '' },
    },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      nodeInfo: { kubeletVersion: 'v1.32.4' },
      addresses: [{ type: 'InternalIP', address: '172.18.0.2' }],
    },
  };
  assert.deepEqual(cells('', 'nodes', node), [
    'node-1',
    'Ready,SchedulingDisabled',
    'control-plane',
    '5m',
    'v1.32.4',
    '172.18.0.2',
    '<none>',
    '<unknown>',
    '<unknown>',
    '<unknown>',
  ]);
  assert.deepEqual(
    cells('', 'namespaces', {
      metadata: { name: 'demo', creationTimestamp: created },
      status: { phase: 'Active' },
    }),
    ['demo', 'Active', '5m'],
  );
  assert.deepEqual(
    cells('', 'configmaps', { metadata: { name: 'c' }, data: { a: '1' }, binaryData: { b: 'AA==' } }).slice(
      0,
      2,
    ),
    ['c', 2],
  );
  assert.deepEqual(
    cells('', 'secrets', { metadata: { name: 's' }, type: 'Opaque', data: { a: 'MQ==' } }).slice(0, 3),
    ['s', 'Opaque', 1],
  );
  assert.deepEqual(cells('', 'serviceaccounts', { metadata: { name: 'default' } }).slice(0, 2), [
    'default',
    0,
  ]);
  const ep: KubeObject = {
    metadata: { name: 'web' },
    subsets: [
      {
        addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }],
        ports: [{ port: 80 }],
      },
    ],
  };
  assert.equal(cells('', 'endpoints', ep)[1], '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...');
  assert.equal(cells('', 'endpoints', { metadata: { name: 'x' } })[1], '<none>');
  assert.deepEqual(
    cells('coordination.k8s.io', 'leases', {
      metadata: { name: 'node-1' },
      spec: { holderIdentity: 'node-1' },
    }).slice(0, 2),
    ['node-1', 'node-1'],
  );
});

test('events print LAST SEEN TYPE REASON OBJECT MESSAGE from either group', () => {
  assert.deepEqual(columnNames('', 'events'), ['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
  const core: KubeObject = {
    metadata: { name: 'web-0.1' },
    involvedObject: { kind: 'Pod', name: 'web-0' },
    reason: 'Started',
    message: 'Started container nginx ',
    type: 'Normal',
    firstTimestamp: '2026-01-01T11:50:00Z',
    lastTimestamp: '2026-01-01T11:58:00Z',
    count: 3,
    source: { component: 'kubelet', host: 'node-1' },
  };
  assert.deepEqual(cells('', 'events', core), [
    '2m',
    'Normal',
    'Started',
    'pod/web-0',
    '',
    'kubelet, node-1',
    'Started container nginx',
    '10m',
    3,
    'web-0.1',
  ]);
  const v1: KubeObject = {
    apiVersion: 'events.k8s.io/v1',
    metadata: { name: 'e' },
    regarding: { kind: 'Deployment', name: 'web' },
    reason: 'ScalingReplicaSet',
    note: 'Scaled up',
    type: 'Normal',
    eventTime: '2026-01-01T11:59:00.000000Z',
    reportingController: 'deployment-controller',
  };
  assert.deepEqual(cells('events.k8s.io', 'events', v1), [
    '60s',
    'Normal',
    'ScalingReplicaSet',
    'deployment/web',
    '',
    'deployment-controller',
    'Scaled up',
    '60s',
    1,
    'e',
  ]);
});

test('kinds without a printer get Name and Created At, like the real default table', () => {
  const role: KubeObject = { metadata: { name: 'reader', creationTimestamp: created } };
  const table = toTable(typeOf('rbac.authorization.k8s.io', 'roles'), 'v1', [role], { now });
  assert.deepEqual(
    table.columnDefinitions.map((c) => [c.name, c.type, c.format]),
    [
      ['Name', 'string', 'name'],
      ['Created At', 'date', ''],
    ],
  );
  assert.deepEqual(table.rows[0].cells, ['reader', created]);
  assert.deepEqual(
    toTable(typeOf('apiextensions.k8s.io', 'customresourcedefinitions'), 'v1', [], {
      now,
    }).columnDefinitions.map((c) => c.name),
    ['Name', 'Created At'],
  );
});

test('custom resources print Name plus their printer columns, ages for dates and null for missing values', () => {
  const widgets: ResourceType = {
    group: 'example.com',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        printerColumns: [
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Size', type: 'string', jsonPath: '.spec.size', priority: 1 },
          { name: 'Labels', type: 'string', jsonPath: '.metadata.labels' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
      { name: 'v1beta1', served: true, storage: false },
    ],
    resource: 'widgets',
    singular: 'widget',
    kind: 'Widget',
    listKind: 'WidgetList',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: [],
    subresources: {},
    tracksGeneration: true,
    allowUnconditionalUpdate: false,
    strategicMerge: false,
    crdName: 'widgets.example.com',
  };
  const w: KubeObject = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', creationTimestamp: created, labels: { z: '1', a: '2' } },
    spec: { replicas: 2.7 },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const table = toTable(widgets, 'v1', [w], { now });
  assert.deepEqual(
    table.columnDefinitions.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0],
      ['Replicas', 'integer', 0],
      ['Ready', 'string', 0],
      ['Size', 'string', 1],
      ['Labels', 'string', 0],
      ['Age', 'date', 0],
    ],
  );
  assert.equal(
    table.columnDefinitions[1].description,
    'Custom resource definition column (in JSONPath format): .spec.replicas',
  );
  assert.deepEqual(table.rows[0].cells, ['w1', 2, 'True', null, '{"a":"2","z":"1"}', '5m']);
  const plain = toTable(widgets, 'v1beta1', [w], { now });
  assert.deepEqual(
    plain.columnDefinitions.map((c) => [c.name, c.type]),
    [
      ['Name', 'string'],
      ['Age', 'date'],
    ],
  );
  assert.deepEqual(plain.rows[0].cells, ['w1', '5m']);
});

test('built-in snapshot kinds print the external-snapshotter CRD columns', () => {
  const vs: KubeObject = {
    metadata: { name: 'snap', creationTimestamp: created },
    spec: { source: { persistentVolumeClaimName: 'data' }, volumeSnapshotClassName: 'csi-hostpath' },
    status: {
      readyToUse: true,
      restoreSize: '1Gi',
      boundVolumeSnapshotContentName: 'snapcontent-1',
      creationTime: created,
    },
  };
  assert.deepEqual(cells('snapshot.storage.k8s.io', 'volumesnapshots', vs), [
    'snap',
    true,
    'data',
    null,
    '1Gi',
    'csi-hostpath',
    'snapcontent-1',
    '5m',
    '5m',
  ]);
});

test('rows carry PartialObjectMetadata, the full object, or nothing, and the list metadata', () => {
  const type = typeOf('', 'pods');
  const meta = toTable(type, 'v1', [runningPod], {
    now,
    resourceVersion: '42',
    continue: 'tok',
    remainingItemCount: 3,
  });
  assert.equal(meta.kind, 'Table');
  assert.equal(meta.apiVersion, 'meta.k8s.io/v1');
  assert.deepEqual(meta.metadata, { resourceVersion: '42', continue: 'tok', remainingItemCount: 3 });
  assert.deepEqual(meta.rows[0].object, {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: runningPod.metadata,
  });
  const full = toTable(type, 'v1', [runningPod], { now, includeObject: 'Object' });
  assert.equal(full.rows[0].object?.apiVersion, 'v1');
  assert.equal(full.rows[0].object?.kind, 'Pod');
  assert.deepEqual(full.rows[0].object?.spec, runningPod.spec);
  const none = toTable(type, 'v1', [runningPod], { now, includeObject: 'None', noHeaders: true });
  assert.equal(none.rows[0].object, undefined);
  assert.deepEqual(none.columnDefinitions, []);
  assert.deepEqual(none.metadata, {});
  for (const c of meta.columnDefinitions) {
    assert.deepEqual(Object.keys(c), ['name', 'type', 'format', 'description', 'priority']);
  }
});

test('an autoscaling/v1 HPA prints its CPU target like a v2 one', () => {
  const v1: KubeObject = {
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 80,
    },
    status: { currentReplicas: 2, currentCPUUtilizationPercentage: 40 },
  };
  assert.deepEqual(cells('autoscaling', 'horizontalpodautoscalers', v1, 'v1').slice(0, 6), [
    'web',
    'Deployment/web',
    'cpu: 40%/80%',
    '1',
    5,
    2,
  ]);
  const v2: KubeObject = {
    metadata: { name: 'web' },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web' },
      maxReplicas: 5,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1024Mi' } },
        },
      ],
    },
    status: {},
  };
  assert.deepEqual(cells('autoscaling', 'horizontalpodautoscalers', v2, 'v2').slice(2, 4), [
    'memory: <unknown>/1Gi',
    '<unset>',
  ]);
});
