/**
 * Service admission through the object service: cluster IPs and node ports allocated uniquely, taken ones
 * refused, released on deletion and kept across updates.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiErrorOf, errorCode, setupService } from '../testing.ts';

describe('service admission', () => {
  test('services get unique cluster IPs and node ports; taken ones are 422', () => {
    const { api, svc } = setupService();
    const kubernetes = api.get(svc, 'default', 'kubernetes');
    assert.equal((kubernetes.spec as { clusterIP: string }).clusterIP, '10.96.0.1');
    const a = api.create(svc, 'default', { metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } });
    const b = api.create(svc, 'default', { metadata: { name: 'b' }, spec: { ports: [{ port: 80 }] } });
    const ipA = (a.spec as { clusterIP: string }).clusterIP;
    assert.match(ipA, /^10\.96\.\d+\.\d+$/);
    assert.notEqual(ipA, (b.spec as { clusterIP: string }).clusterIP);
    const headless = api.create(svc, 'default', {
      metadata: { name: 'h' },
      spec: { clusterIP: 'None', ports: [{ port: 80 }] },
    });
    assert.deepEqual((headless.spec as { clusterIPs: string[] }).clusterIPs, ['None']);
    assert.equal(
      errorCode(() => api.create(svc, 'default', { metadata: { name: 'c' }, spec: { clusterIP: ipA } })),
      422,
    );
    const np = api.create(svc, 'default', {
      metadata: { name: 'np' },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }, { port: 81 }] },
    });
    const ports = (np.spec as { ports: { nodePort: number }[] }).ports.map((p) => p.nodePort);
    assert.equal(ports[0], 30080);
    assert.ok(ports[1] >= 30000 && ports[1] <= 32767 && ports[1] !== 30080);
    const taken = apiErrorOf(() =>
      api.create(svc, 'default', {
        metadata: { name: 'np2' },
        spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
      }),
    );
    assert.equal(taken.code, 422);
    assert.match(
      taken.message,
      /spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/,
    );
    api.delete(svc, 'default', 'np');
    api.create(svc, 'default', {
      metadata: { name: 'np3' },
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
    });
    const kept = api.update(svc, 'default', 'a', {
      metadata: { name: 'a' },
      spec: { ports: [{ port: 8080 }] },
    });
    assert.equal((kept.spec as { clusterIP: string }).clusterIP, ipA, 'an update without clusterIP keeps it');
  });
});
