import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCaptured } from '../test-support.ts';

// The server validates its configuration before it connects anywhere, so a bad flag fails at once with a
// usage error naming the flag, whatever the kubeconfig.
describe('lifeboat server flags', () => {
  const run = (...flags: string[]) =>
    runCaptured(['server', '--kubeconfig', '/nonexistent/kubeconfig', '--no-leader-elect', ...flags]);

  test('a bad garbage-collection frequency is a usage error naming the flag', async () => {
    const result = await run('--garbage-collection-frequency', 'hourly');
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--garbage-collection-frequency: not a duration: "hourly"/);
  });

  test('a notification webhook must be an http(s) URL', async () => {
    const result = await run('--notification-webhook', 'ftp://hooks.example/x');
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--notification-webhook: Invalid URL/);
    assert.doesNotMatch(result.stderr, /hooks\.example/, 'the URL (it may carry a token) is not echoed');
  });

  test('--schedule-skip-immediately takes no value', async () => {
    const result = await run('--schedule-skip-immediately', '--garbage-collection-frequency', 'often');
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--garbage-collection-frequency: not a duration/);
  });
});
