import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestCluster, type TestCluster } from './testing.ts';

describe('namespace controller', () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ nodes: 1 });
  });
  after(async () => {
    await c.stop();
  });

  test('a new namespace gets its default ServiceAccount and kube-root-ca.crt, and gets them back when deleted', async () => {
    c.api.create(c.ref('', 'namespaces'), undefined, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a' },
    });
    await c.waitFor(
      'defaults',
      () =>
        c.get('', 'serviceaccounts', 'team-a', 'default') &&
        c.get('', 'configmaps', 'team-a', 'kube-root-ca.crt'),
    );
    const ca = c.get('', 'configmaps', 'team-a', 'kube-root-ca.crt')!;
    assert.match((ca.data as Record<string, string>)['ca.crt'], /^-----BEGIN CERTIFICATE-----/);
    c.api.delete(c.ref('', 'serviceaccounts'), 'team-a', 'default');
    await c.waitFor('the default account to come back', () =>
      c.get('', 'serviceaccounts', 'team-a', 'default'),
    );
  });

  test('a terminating namespace is emptied (pods, workloads, claims, custom resources) and then disappears', async () => {
    const crds = c.ref('apiextensions.k8s.io', 'customresourcedefinitions');
    c.api.create(crds, undefined, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    });
    const widgets = await c.waitFor('the CRD to be served', () =>
      c.api.lookup('example.com', 'v1', 'widgets'),
    );
    c.api.create(widgets, 'team-a', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'team-a', finalizers: ['example.com/hold'] },
    });
    c.api.create(c.ref('', 'configmaps'), 'team-a', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'team-a' },
      data: { a: 'b' },
    });
    c.api.create(c.ref('apps', 'statefulsets'), 'team-a', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'team-a' },
      spec: {
        replicas: 1,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: {
            containers: [
              { name: 'db', image: 'postgres:17', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    });
    await c.waitFor(
      'the database pod to run',
      () =>
        (c.get('', 'pods', 'team-a', 'db-0')?.status as { phase?: string } | undefined)?.phase === 'Running',
    );

    c.api.delete(c.ref('', 'namespaces'), undefined, 'team-a');
    const held = await c.waitFor('the content-remaining condition', () => {
      const ns = c.get('', 'namespaces', undefined, 'team-a');
      const conditions =
        (ns?.status as { conditions?: { type: string; status: string; message: string }[] } | undefined)
          ?.conditions ?? [];
      const remaining = conditions.find(
        (x) => x.type === 'NamespaceFinalizersRemaining' && x.status === 'True',
      );
      return remaining?.message.includes('example.com/hold') ? ns : undefined;
    });
    assert.equal((held.status as { phase: string }).phase, 'Terminating');
    assert.equal(c.get('', 'configmaps', 'team-a', 'settings'), undefined);
    const w1 = c.api.get(widgets, 'team-a', 'w1');
    c.api.patch(widgets, 'team-a', 'w1', 'merge', {
      metadata: { resourceVersion: w1.metadata.resourceVersion, finalizers: null },
    });
    await c.waitFor(
      'the namespace to disappear',
      () => c.get('', 'namespaces', undefined, 'team-a') === undefined,
    );
    assert.equal(c.api.list(c.ref('', 'persistentvolumeclaims'), { namespace: 'team-a' }).items.length, 0);
    await c.waitFor(
      'the released volume to be deleted',
      () => c.api.list(c.ref('', 'persistentvolumes')).items.length === 0,
    );
  });
});
