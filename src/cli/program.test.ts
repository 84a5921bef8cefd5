import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LIFEBOAT_VERSION } from '../core/version.ts';

const cli = new URL('./main.ts', import.meta.url).pathname;

function lifeboat(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(LIFEBOAT_VERSION, pkg.version);
  const r = lifeboat('version');
  assert.equal(r.status, 0);
  assert.match(r.stdout, new RegExp(`Version: ${LIFEBOAT_VERSION.replace(/\./g, '\\.')}`));
});

test('an unknown command is a usage error: exit 2, one line, no stack', () => {
  const r = lifeboat('bakcup');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'bakcup'/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
