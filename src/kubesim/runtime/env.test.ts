import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerArgv, containerEnv, expandReferences, fieldRefValue } from './env.ts';
import { testPod } from './testing.ts';

test('expandReferences follows Kubernetes rules', () => {
  const vars = { A: 'one', B: 'two' };
  assert.equal(expandReferences('$(A)-$(B)', vars), 'one-two');
  assert.equal(expandReferences('$(MISSING) stays', vars), '$(MISSING) stays');
  assert.equal(expandReferences('$$(A) is escaped', vars), '$(A) is escaped');
  assert.equal(expandReferences('cost: $5 and $', vars), 'cost: $5 and $');
  assert.equal(expandReferences('$(A', vars), '$(A');
});

test('fieldRefValue serves the downward API fields', () => {
  const pod = testPod('web-0', [{ name: 'main' }], { namespace: 'shop' });
  pod.metadata.labels = { app: 'web' };
  assert.equal(fieldRefValue(pod, 'metadata.name'), 'web-0');
  assert.equal(fieldRefValue(pod, 'metadata.namespace'), 'shop');
  assert.equal(fieldRefValue(pod, 'metadata.uid'), pod.metadata.uid);
  assert.equal(fieldRefValue(pod, "metadata.labels['app']"), 'web');
  assert.equal(fieldRefValue(pod, 'spec.nodeName'), 'kubesim-node-1');
  assert.equal(fieldRefValue(pod, 'status.podIP'), '10.244.1.7');
  assert.equal(fieldRefValue(pod, 'status.hostIP'), '10.0.0.1');
  assert.equal(fieldRefValue(pod, 'spec.unknown'), undefined);
});

test('containerEnv: defaults, base, own values in order, field refs, resolved values last', () => {
  const pod = testPod('api', [
    {
      name: 'main',
      env: [
        { name: 'HOME', value: '/home/app' },
        { name: 'URL', value: 'http://$(KUBERNETES_SERVICE_HOST)/$(NAME)' },
        { name: 'NAME', value: 'late' },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'EMPTY' },
        { name: 'SECRET', valueFrom: {} },
      ],
    },
  ]);
  const spec = (pod.spec as { containers: Parameters<typeof containerEnv>[1][] }).containers[0];
  const env = containerEnv(pod, spec, {
    base: { KUBERNETES_SERVICE_HOST: '127.0.0.1' },
    resolved: { SECRET: 's3cr3t' },
    tty: true,
  });
  assert.deepEqual(env, {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: 'api',
    HOME: '/home/app',
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    TERM: 'xterm',
    URL: 'http://127.0.0.1/$(NAME)',
    NAME: 'late',
    IP: '10.244.1.7',
    EMPTY: '',
    SECRET: 's3cr3t',
  });
});

test('containerArgv: command then args, or args alone, expanded', () => {
  const env = { GREETING: 'hi' };
  assert.deepEqual(containerArgv({ name: 'c', command: ['sh', '-c'], args: ['echo $(GREETING)'] }, env), [
    'sh',
    '-c',
    'echo hi',
  ]);
  assert.deepEqual(containerArgv({ name: 'c', args: ['sleep', '10'] }, env), ['sleep', '10']);
  assert.deepEqual(containerArgv({ name: 'c' }, env), []);
});
