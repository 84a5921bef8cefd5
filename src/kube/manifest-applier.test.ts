import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isLifeboatError } from '../core/errors.ts';
import { type Kubesim, startKubesim } from '../kubesim/index.ts';
import { connect } from './client.ts';
import { ManifestApplier } from './manifest-applier.ts';
import { transportFor } from './transport.ts';
import type { KubeObject } from './types.ts';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.example.io' },
  spec: {
    group: 'example.io',
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer', default: 3 },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        },
      },
    ],
  },
};

describe('ManifestApplier', () => {
  let sim: Kubesim;
  let applier: ManifestApplier;

  before(async () => {
    sim = await startKubesim({ cluster: false });
    applier = new ManifestApplier(connect(sim.kubeconfigPath));
  });
  after(async () => {
    transportFor(connect(sim.kubeconfigPath).config).close();
    await sim.stop();
  });

  test('a CRD keeps its schema defaults and x-kubernetes keys, and its new kind is found without a restart', async () => {
    await applier.apply(crd);
    const live = (await applier.get(crd)) as typeof crd;
    const spec = live.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    assert.equal(spec.size.default, 3);
    assert.equal(spec.extra['x-kubernetes-preserve-unknown-fields'], true);

    const gadget = {
      apiVersion: 'example.io/v1',
      kind: 'Gadget',
      metadata: { name: 'g1', namespace: 'default' },
      spec: { extra: { anything: { nested: 1 } } },
    };
    let applied: { spec?: { size?: number; extra?: unknown } } | undefined;
    for (let i = 0; i < 50 && !applied; i++) {
      applied = await applier.apply(gadget).catch((err) => {
        if (isLifeboatError(err, 'NotFound')) return undefined;
        throw err;
      });
      if (!applied) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(applied?.spec?.size, 3, 'the schema default applied');
    assert.deepEqual(
      applied?.spec?.extra,
      { anything: { nested: 1 } },
      'unknown fields kept where the schema says so',
    );
  });

  test('applying the same manifest twice leaves the object unchanged', async () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'same', namespace: 'default' },
      data: { a: '1' },
    };
    const first: KubeObject = await applier.apply<KubeObject>(cm);
    const second: KubeObject = await applier.apply<KubeObject>(cm);
    assert.equal(second.metadata?.resourceVersion, first.metadata?.resourceVersion);
  });

  test('an unknown kind is NotFound, naming it; get answers undefined', async () => {
    const bogus = { apiVersion: 'nowhere.io/v1', kind: 'Nothing', metadata: { name: 'x' } };
    await assert.rejects(
      applier.apply(bogus),
      (err) => isLifeboatError(err, 'NotFound') && /Nothing in nowhere\.io\/v1/.test(err.message),
    );
    assert.equal(await applier.get(bogus), undefined);
  });
});
