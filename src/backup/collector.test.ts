import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
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
      { ...deps(cluster, store, { actions: [marker] }), pageSize: 7 } as never,
    );
    assert.equal(status.phase, 'Completed', status.failureReason);
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
});
