import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { asMetadataDigest, type ListedPage } from '../kube/dynamic-client.ts';
import type { ApiResourceInfo, KubeObject } from '../kube/types.ts';
import { SinkError } from './item-pipeline.ts';
import { ResourceListBuilder, VolumeInfoBuilder } from './side-files.ts';
import { TarballSink } from './sinks.ts';
import { TarballWriter } from './tarball-writer.ts';
import { readTarball } from './test-support.ts';

const configmaps = {
  group: '',
  version: 'v1',
  groupVersion: 'v1',
  resource: 'configmaps',
  groupResource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
} as ApiResourceInfo;

test('the sink stores listed bytes only for the item expected, while it is expected', async () => {
  const writer = new TarballWriter({ mtime: new Date(0) });
  const output = buffer(writer.output);
  const sink = new TarballSink(writer, new ResourceListBuilder(), new VolumeInfoBuilder());
  const item = (name: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'n' },
  });
  const a = item('a');
  const b = item('b');
  const listed = Buffer.from(
    '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","namespace":"n"}}',
  );
  const page: ListedPage = {
    items: [a],
    resourceVersion: '1',
    json: {
      text: Buffer.concat([Buffer.from('{"items":['), listed, Buffer.from(']}')]),
      bounds: [10, 10 + listed.length],
    },
  };
  sink.expectListed(a, page, 0);
  sink.write(configmaps, 'n', 'a', a);
  sink.write(configmaps, 'n', 'b', b); // not the expected item: serialized
  sink.expectListed(undefined);
  a.metadata = { ...a.metadata, labels: { changed: 'yes' } };
  sink.write(configmaps, 'n', 'a2', a); // written after offer returned: serialized, change kept
  await writer.finish();
  const entries = await readTarball(await output);
  const body = (name: string): string =>
    entries.find((e) => e.name === `resources/configmaps/namespaces/n/${name}.json`)!.body.toString();
  assert.equal(body('a'), listed.toString());
  assert.equal(body('b'), JSON.stringify(b));
  assert.equal(body('a2'), JSON.stringify(a));
  assert.match(body('a2'), /"changed":"yes"/);
});

test('a metadata digest is stored only as its listed bytes, never serialized (that would store metadata alone)', async () => {
  const writer = new TarballWriter({ mtime: new Date(0) });
  const output = buffer(writer.output);
  const sink = new TarballSink(writer, new ResourceListBuilder(), new VolumeInfoBuilder());
  const listed = Buffer.from(
    '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"d"},"data":{"k":"v"}}',
  );
  const digest = asMetadataDigest({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd' } });
  const page: ListedPage = {
    items: [digest],
    resourceVersion: '1',
    json: { text: listed, bounds: [0, listed.length] },
  };
  assert.throws(() => sink.write(configmaps, 'n', 'd', digest), SinkError);
  sink.expectListed(digest, page, 0);
  sink.write(configmaps, 'n', 'd', digest);
  sink.expectListed(undefined);
  await writer.finish();
  const entries = await readTarball(await output);
  const stored = entries.filter((e) => e.name.startsWith('resources/'));
  assert.deepEqual(
    stored.map((e) => e.name),
    [
      'resources/configmaps/namespaces/n/d.json',
      'resources/configmaps/v1-preferredversion/namespaces/n/d.json',
    ],
  );
  for (const e of stored) assert.equal(e.body.toString(), listed.toString());
  assert.equal(sink.needsWholeItems(configmaps), false);
  assert.equal(sink.needsWholeItems({ ...configmaps, groupResource: 'persistentvolumeclaims' }), true);
});
