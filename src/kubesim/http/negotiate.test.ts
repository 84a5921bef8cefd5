import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsAggregatedDiscovery, wantsTable } from './negotiate.ts';

test('Table is served when asked for before plain JSON', () => {
  assert.equal(
    wantsTable(
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    ),
    true,
  );
  assert.equal(wantsTable('application/json'), false);
  assert.equal(wantsTable('application/json, */*'), false);
  assert.equal(wantsTable(undefined), false);
  assert.equal(wantsTable('application/json,application/json;as=Table;v=v1;g=meta.k8s.io'), false);
});

test('aggregated discovery only for the v2 list', () => {
  assert.equal(
    wantsAggregatedDiscovery(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
    ),
    true,
  );
  assert.equal(
    wantsAggregatedDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList'),
    false,
  );
  assert.equal(wantsAggregatedDiscovery('application/json, */*'), false);
});
