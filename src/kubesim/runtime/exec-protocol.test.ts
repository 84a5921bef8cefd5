import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitCodeStatus, frame, negotiateProtocol, offeredProtocols } from './exec-protocol.ts';

test('protocol negotiation honours the client’s order among served protocols', () => {
  assert.equal(negotiateProtocol(offeredProtocols('v5.channel.k8s.io')), 'v5.channel.k8s.io');
  assert.equal(
    negotiateProtocol(
      offeredProtocols(
        'v5.channel.k8s.io,v4.channel.k8s.io,v3.channel.k8s.io,v2.channel.k8s.io,channel.k8s.io',
      ),
    ),
    'v5.channel.k8s.io',
  );
  assert.equal(
    negotiateProtocol(offeredProtocols(['base64.channel.k8s.io', ' v4.channel.k8s.io '])),
    'v4.channel.k8s.io',
  );
  assert.equal(negotiateProtocol(offeredProtocols(undefined)), 'channel.k8s.io');
  assert.equal(negotiateProtocol(offeredProtocols('v4.base64.channel.k8s.io')), undefined);
});

test('the non-zero exit status carries the code as kubectl reads it', () => {
  assert.deepEqual(exitCodeStatus(['sh', '-c', 'exit 3'], 3), {
    metadata: {},
    status: 'Failure',
    message:
      'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
});

test('frames start with their channel byte', () => {
  assert.deepEqual([...frame(1, 'hi')], [1, 104, 105]);
  assert.deepEqual([...frame(3, Buffer.alloc(0))], [3]);
});
