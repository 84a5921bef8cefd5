import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { execFailureMessage, hostView, plannedView, resolveExecutable } from './executable.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubesim-executable-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('resolves like execvp: PATH search, explicit paths, not found, not executable', async () => {
  assert.equal(await resolveExecutable('sh', '/nowhere:/usr/bin:/bin', hostView), 'ok');
  assert.equal(await resolveExecutable('/bin/sh', '', hostView), 'ok');
  assert.equal(await resolveExecutable('no-such-program-here', '/usr/bin:/bin', hostView), 'not-found');
  writeFileSync(join(dir, 'plain'), 'data');
  chmodSync(join(dir, 'plain'), 0o644);
  assert.equal(await resolveExecutable(join(dir, 'plain'), '', hostView), 'not-executable');
  assert.equal(await resolveExecutable('plain', dir, hostView), 'not-executable');
  assert.equal(await resolveExecutable('./plain', '', hostView, dir), 'not-executable');
  assert.equal(await resolveExecutable('', '/bin', hostView), 'not-found');
});

test('the planned view shows volumes at their mount paths, system directories, and nothing else', async () => {
  const scripts = join(dir, 'scripts');
  mkdirSync(scripts);
  writeFileSync(join(scripts, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(scripts, 'run.sh'), 0o755);
  const view = plannedView([
    { volume: 'scripts', hostPath: scripts, mountPath: '/opt/app/scripts', readOnly: true },
    { volume: 'root', hostPath: join(dir, 'other'), mountPath: '/opt/app', readOnly: false },
  ]);
  assert.equal(view('/opt/app/scripts/run.sh'), join(scripts, 'run.sh'));
  assert.equal(view('/opt/app/x'), join(dir, 'other', 'x'));
  assert.equal(view('/usr/bin/env'), '/usr/bin/env');
  assert.equal(view('/home/someone/tool'), undefined);
  assert.equal(await resolveExecutable('/opt/app/scripts/run.sh', '', view), 'ok');
  assert.equal(await resolveExecutable('run.sh', '/opt/app/scripts', view), 'ok');
  assert.equal(await resolveExecutable(join(dir, 'plain'), '', view), 'not-found');
});

test('failure messages follow runc', () => {
  assert.equal(
    execFailureMessage('nope', 'not-found'),
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown\n',
  );
  assert.match(execFailureMessage('/x/nope', 'not-found'), /"\/x\/nope": no such file or directory/);
  assert.match(execFailureMessage('/etc/passwd', 'not-executable'), /permission denied/);
});
