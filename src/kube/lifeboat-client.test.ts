import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { crdManifests, RESOURCE_KINDS } from '../api/index.ts';
import { isLifeboatError } from '../core/errors.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { connect, type KubeConnection } from './client.ts';
import { discoverResources } from './discovery.ts';
import { createDynamicClient } from './dynamic-client.ts';
import {
  CRD_RESOURCE,
  ensureCrds,
  isEstablished,
  LifeboatClient,
  lifeboatResources,
} from './lifeboat-client.ts';
import { transportFor } from './transport.ts';
import type { DynamicClient } from './types.ts';

describe('the lifeboat.io client against kubesim', () => {
  let sim: Kubesim;
  let conn: KubeConnection;
  let client: DynamicClient;
  let lifeboat: LifeboatClient;

  before(async () => {
    sim = await startKubesim({ cluster: false });
    conn = connect(sim.kubeconfigPath);
    client = createDynamicClient(conn);
    await client.create((await discoverResources(conn)).resolve('ns')!, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'lifeboat' },
    });
  });
  after(async () => {
    transportFor(conn.config).close();
    await sim?.stop();
  });

  test('before the CRDs, discovery says which kinds are missing', async () => {
    const catalog = await discoverResources(conn);
    assert.throws(
      () => lifeboatResources(catalog),
      (err) => isLifeboatError(err, 'NotFound') && /Backup, Restore/.test(err.message),
    );
  });

  test('ensureCrds installs every CRD, waits until Established, and is idempotent', async () => {
    const names = await ensureCrds(client);
    assert.deepEqual(
      names,
      crdManifests().map((c) => c.metadata.name),
    );
    for (const name of names) assert.ok(isEstablished(await client.get(CRD_RESOURCE, undefined, name)), name);
    await ensureCrds(client);
    const catalog = await discoverResources(conn);
    const discovered = lifeboatResources(catalog);
    const fromCrds = lifeboatResources();
    for (const kind of RESOURCE_KINDS) {
      const { verbs: _a, categories: _b, subresources: _c, ...d } = discovered[kind];
      const { verbs: _x, categories: _y, subresources: _z, ...s } = fromCrds[kind];
      assert.deepEqual(s, d, kind);
    }
    lifeboat = new LifeboatClient(client, discovered);
  });

  test('create, get, list, patch, status patch (with a resourceVersion precondition) and delete a Backup', async () => {
    const created = await lifeboat.create('Backup', {
      metadata: { name: 'b1', namespace: 'lifeboat', labels: { team: 'a' } },
      spec: { includedNamespaces: ['app'] },
    });
    assert.equal(created.apiVersion, 'lifeboat.io/v1');
    assert.equal(created.kind, 'Backup');
    assert.deepEqual(created.spec.includedNamespaces, ['app']);
    await lifeboat.create('Backup', { metadata: { name: 'b2', namespace: 'lifeboat' }, spec: {} });

    const got = await lifeboat.get('Backup', 'lifeboat', 'b1');
    assert.equal(got?.metadata.uid, created.metadata.uid);
    assert.equal(await lifeboat.get('Backup', 'lifeboat', 'nope'), undefined);
    assert.deepEqual(
      (await lifeboat.list('Backup', 'lifeboat')).map((b) => b.metadata.name),
      ['b1', 'b2'],
    );
    assert.deepEqual(
      (await lifeboat.list('Backup', undefined, { labelSelector: 'team=a' })).map((b) => b.metadata.name),
      ['b1'],
    );

    const inProgress = await lifeboat.patchStatus('Backup', 'lifeboat', 'b1', { phase: 'InProgress' });
    assert.equal(inProgress.status?.phase, 'InProgress');
    assert.deepEqual(inProgress.spec.includedNamespaces, ['app']);
    const stale = created.metadata.resourceVersion;
    await assert.rejects(
      lifeboat.patchStatus('Backup', 'lifeboat', 'b1', { phase: 'Completed' }, { resourceVersion: stale }),
      (err) => isLifeboatError(err, 'Conflict'),
    );
    const done = await lifeboat.patchStatus(
      'Backup',
      'lifeboat',
      'b1',
      { phase: 'Completed', progress: { totalItems: 3, itemsBackedUp: 3 } },
      { resourceVersion: inProgress.metadata.resourceVersion },
    );
    assert.equal(done.status?.phase, 'Completed');
    assert.equal(done.status?.progress?.itemsBackedUp, 3);

    const labelled = await lifeboat.patch('Backup', 'lifeboat', 'b2', { metadata: { labels: { x: 'y' } } });
    assert.equal(labelled.metadata.labels?.x, 'y');

    assert.equal(await lifeboat.delete('Backup', 'lifeboat', 'b2'), true);
    assert.equal(await lifeboat.delete('Backup', 'lifeboat', 'b2'), false);
  });

  test('a stored object that breaks cross-field rules is still read; a server refusal is Invalid', async () => {
    const odd = await lifeboat.create('Backup', {
      metadata: { name: 'odd', namespace: 'lifeboat' },
      spec: { includedNamespaces: ['a'], excludedNamespaces: ['a'] },
    });
    assert.deepEqual(odd.spec.excludedNamespaces, ['a']);
    await assert.rejects(
      lifeboat.create('Backup', {
        metadata: { name: 'bad', namespace: 'lifeboat' },
        spec: { ttl: 12 as unknown as string },
      }),
      (err) => isLifeboatError(err, 'Invalid') && /ttl/.test(err.message),
    );
  });
});
