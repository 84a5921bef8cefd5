import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ApiResourceInfo, DynamicClient, ListOptions } from '../kube/types.ts';
import { createFsObjectStore } from '../storage/fs.ts';
import { backupKeys } from '../storage/layout.ts';
import { runBackup } from './engine.ts';
import type { BackupItemAction } from './item-action.ts';
import {
  backup,
  configMap,
  deps,
  namespace,
  readTarball,
  startTestCluster,
  type TestCluster,
} from './test-support.ts';

let cluster: TestCluster;
const scratch = mkdtempSync(join(tmpdir(), 'lifeboat-collector-test-'));

before(async () => {
  cluster = await startTestCluster();
  await cluster.create(namespace('raw'));
  for (let i = 0; i < 30; i++)
    await cluster.create(
      configMap('raw', `cm-${String(i).padStart(2, '0')}`, { n: `${i}` }, { text: `"quoted" {${i}}` }),
    );
});

after(async () => {
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('listed items in the tarball', () => {
  test('items no action changes are stored as the API server listed them; changed ones as changed', async () => {
    const store = createFsObjectStore({ root: join(scratch, 'store'), durable: false });
    const digestLists: boolean[] = [];
    // Changes the object it is given in place and returns it: the tarball must hold the change.
    const marker: BackupItemAction = {
      name: 'example.com/marker',
      appliesTo: () => ({ includedResources: ['configmaps'], labelSelector: 'n in (3,7)' }),
      async execute(item) {
        item.metadata = { ...item.metadata, annotations: { 'example.com/marked': 'yes' } };
        return { item };
      },
    };
    const { status } = await runBackup(
      backup('raw-1', { includedNamespaces: ['raw'], includedResources: ['configmaps'] }),
      { ...deps(cluster, store, { actions: [marker], client: spying(digestLists) }), pageSize: 7 } as never,
    );
    assert.equal(status.phase, 'Completed', status.failureReason);
    assert.deepEqual(digestLists, [false], 'an action may apply: the items are listed whole');
    const entries = await readTarball(await store.getBuffer(backupKeys('raw-1').contents));
    const legacy = entries.filter((e) => e.name.startsWith('resources/configmaps/namespaces/raw/'));
    assert.equal(legacy.length, 30);

    const listed = await fetch(`${cluster.sim.url}/api/v1/namespaces/raw/configmaps`);
    const served = ((await listed.json()) as { items: { metadata: { name: string } }[] }).items;
    for (const entry of legacy) {
      const name = entry.name
        .split('/')
        .pop()!
        .replace(/\.json$/, '');
      const object = JSON.parse(entry.body.toString('utf8'));
      const live = served.find((o) => o.metadata.name === name)!;
      if (name === 'cm-03' || name === 'cm-07') {
        assert.equal(
          object.metadata.annotations['example.com/marked'],
          'yes',
          `${name} keeps the action's change`,
        );
        assert.equal(
          object.data.text,
          `"quoted" {${Number(name.slice(3))}}`,
          'the action saw the whole item',
        );
      } else {
        assert.equal(object.metadata.annotations, undefined);
        assert.equal(object.data.text, `"quoted" {${Number(name.slice(3))}}`);
        assert.deepEqual(object, { ...live, apiVersion: 'v1', kind: 'ConfigMap' });
      }
    }
    const preferred = entries.filter((e) => e.name.startsWith('resources/configmaps/v1-preferredversion/'));
    assert.equal(preferred.length, 30);
    for (const p of preferred) {
      const twin = entries.find((e) => e.name === p.name.replace('/v1-preferredversion', ''));
      assert.ok(twin?.body.equals(p.body), `${p.name} holds the same bytes as its legacy copy`);
    }
  });

  test('with no action for the resource, items are listed as metadata digests and stored whole', async () => {
    const store = createFsObjectStore({ root: join(scratch, 'store-digest'), durable: false });
    const digestLists: boolean[] = [];
    const { status } = await runBackup(
      backup('raw-2', {
        includedNamespaces: ['raw'],
        includedResources: ['configmaps'],
        labelSelector: { matchExpressions: [{ key: 'n', operator: 'NotIn', values: ['4'] }] },
      }),
      { ...deps(cluster, store, { client: spying(digestLists) }), pageSize: 7 } as never,
    );
    assert.equal(status.phase, 'Completed', status.failureReason);
    assert.deepEqual(digestLists, [true]);
    assert.equal(status.progress?.itemsBackedUp, 30, '29 ConfigMaps and their namespace');
    const entries = await readTarball(await store.getBuffer(backupKeys('raw-2').contents));
    const stored = entries.filter((e) => e.name.startsWith('resources/configmaps/namespaces/raw/'));
    const listed = await fetch(
      `${cluster.sim.url}/api/v1/namespaces/raw/configmaps?labelSelector=n%20notin%20(4)`,
    );
    const served = ((await listed.json()) as { items: { metadata: { name: string } }[] }).items;
    assert.equal(stored.length, served.length);
    for (const live of served) {
      const entry = stored.find((e) => e.name.endsWith(`/${live.metadata.name}.json`));
      assert.deepEqual(JSON.parse(String(entry?.body)), { ...live, apiVersion: 'v1', kind: 'ConfigMap' });
    }
  });
});

/** The test cluster's client, noting whether each list of ConfigMaps asked for metadata digests. */
function spying(digestLists: boolean[]): DynamicClient {
  const client = cluster.client;
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'listPages')
        return (resource: ApiResourceInfo, options: ListOptions = {}) => {
          if (resource.groupResource === 'configmaps') digestLists.push(options.metadataDigest === true);
          return target.listPages(resource, options);
        };
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
