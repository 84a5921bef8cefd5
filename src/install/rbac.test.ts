import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  NODE_AGENT_CLUSTER_RULES,
  NODE_AGENT_NAMESPACE_RULES,
  SERVER_CLUSTER_RULES,
  SERVER_NAMESPACE_RULES,
} from './rbac.ts';

const DOC = readFileSync(new URL('../../docs/rbac.md', import.meta.url), 'utf8');

test('docs/rbac.md explains every rule, with its verbs', () => {
  const rows = DOC.split('\n').filter((l) => l.startsWith('|'));
  for (const rule of [
    ...SERVER_CLUSTER_RULES,
    ...SERVER_NAMESPACE_RULES,
    ...NODE_AGENT_CLUSTER_RULES,
    ...NODE_AGENT_NAMESPACE_RULES,
  ]) {
    const row = rows.find(
      (r) =>
        rule.verbs.every((v) => r.includes(`\`${v}\``)) &&
        rule.resources.every((res) => res === '*' || r.includes(res.split('/')[0])),
    );
    assert.ok(
      row,
      `a row for ${rule.apiGroups.join(',')} ${rule.resources.join(',')} ${rule.verbs.join(',')}`,
    );
  }
});

test('outside their namespace the server and node agent delete only their own kinds and snapshot objects', () => {
  for (const rule of SERVER_CLUSTER_RULES) {
    if (!rule.verbs.includes('delete') && !rule.verbs.includes('*')) continue;
    assert.ok(
      rule.apiGroups.every((g) => g === 'lifeboat.io' || g === 'snapshot.storage.k8s.io'),
      JSON.stringify(rule),
    );
  }
  for (const rule of NODE_AGENT_CLUSTER_RULES)
    assert.ok(
      !rule.verbs.includes('*') &&
        (!rule.verbs.includes('delete') || rule.resources.every((r) => r === 'volumesnapshotcontents')),
      JSON.stringify(rule),
    );
});
