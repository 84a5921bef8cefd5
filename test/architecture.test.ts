/**
 * Enforces the import directions of ARCHITECTURE.md from the import lines themselves:
 * core ← api ← {kube, storage} ← repository ← {backup, restore, volumes} ← {controllers, agent, plugins, install}
 * ← {ui, cli, server}; kubesim imports only core and api, and only `lifeboat dev` (and tests, benchmarks) import kubesim.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const src = resolve(new URL('../src', import.meta.url).pathname);

const below = (...layers: string[]): Set<string> => new Set(layers);
const L0 = ['core'];
const L1 = [...L0, 'api'];
const L2 = [...L1, 'kube', 'storage'];
const L3 = [...L2, 'repository'];
const L4 = [...L3, 'backup', 'restore', 'volumes'];
const L5 = [...L4, 'controllers', 'agent', 'plugins', 'install'];

/** For each top-level folder of src/, the folders it may import from (itself always allowed). */
const allowed: Record<string, Set<string>> = {
  core: below(),
  api: below(...L0),
  kube: below(...L1),
  storage: below(...L1),
  repository: below(...L1, 'storage'),
  backup: below(...L3),
  restore: below(...L3),
  volumes: below(...L3),
  controllers: below(...L4),
  agent: below(...L4),
  plugins: below(...L4),
  install: below(...L4),
  ui: below(...L5),
  cli: below(...L5, 'ui', 'server'),
  server: below(...L5, 'ui'),
  kubesim: below(...L1),
};

/** Files allowed to import kubesim besides tests: the `dev` command that starts the embedded environment. */
const kubesimImporters = [/^cli\/commands\/dev(\/|\.ts$)/];

/**
 * Test support beside the code it serves (`test-support.ts`, `testing.ts`, `*-fixture.ts`): counted as test code,
 * so it may start a kubesim, and for that reason only tests may import it.
 */
const TEST_SUPPORT = /(^|\/)(test-support|testing)\.ts$|-fixture\.ts$/;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(IMPORT)) specs.push(m[1] ?? m[2]);
  return specs;
}

test('imports point only downward, as ARCHITECTURE.md lays out', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const rel = relative(src, file);
    const layer = rel.split('/')[0];
    const isTest = rel.endsWith('.test.ts') || TEST_SUPPORT.test(rel);
    const rules = allowed[layer];
    if (!rules) {
      if (rel.includes('/')) violations.push(`${rel}: src/${layer}/ is not a folder ARCHITECTURE.md knows`);
      continue;
    }
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = relative(src, resolve(dirname(file), spec));
      if (target.startsWith('..')) {
        if (!isTest) violations.push(`${rel} imports ${spec}, outside src/`);
        continue;
      }
      if (TEST_SUPPORT.test(target) && !isTest) {
        violations.push(`${rel} imports ${target}, which is test support`);
        continue;
      }
      const targetLayer = target.split('/')[0];
      if (targetLayer === layer) continue;
      if (targetLayer === 'kubesim' && (isTest || kubesimImporters.some((r) => r.test(rel)))) continue;
      if (!rules.has(targetLayer))
        violations.push(`${rel} imports ${target} (${layer} may not import ${targetLayer})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the rule table itself rejects an upward import', () => {
  assert.equal(allowed.core.has('api'), false);
  assert.equal(allowed.repository.has('kube'), false);
  assert.equal(allowed.kubesim.has('kube'), false);
  assert.equal(allowed.backup.has('controllers'), false);
  assert.ok(allowed.cli.has('controllers'));
});
