import type { Clock } from '../../core/clock.ts';
import { LifeboatError } from '../../core/errors.ts';
import type { KubeConnection } from '../../kube/client.ts';
import { createDynamicClient } from '../../kube/dynamic-client.ts';
import { lifeboatResource } from '../../kube/lifeboat-client.ts';

/**
 * Asks the server its version through a ServerStatusRequest in its namespace: creates one, waits until the
 * server marks it Processed, deletes it. Undefined when no server answers within `timeoutMs`.
 */
export async function queryServerVersion(
  conn: KubeConnection,
  namespace: string,
  options: { timeoutMs: number; clock: Clock; intervalMs?: number },
): Promise<string | undefined> {
  const client = createDynamicClient(conn);
  const resource = lifeboatResource('ServerStatusRequest');
  const created = await client.create(resource, {
    apiVersion: 'lifeboat.io/v1',
    kind: 'ServerStatusRequest',
    metadata: { generateName: 'lifeboat-version-', namespace },
    spec: {},
  });
  const name = created.metadata?.name ?? '';
  const deadline = options.clock.now().getTime() + options.timeoutMs;
  try {
    for (;;) {
      const live = (await client.get(resource, namespace, name)) as
        | { status?: { phase?: string; serverVersion?: string } }
        | undefined;
      if (live?.status?.phase === 'Processed') return live.status.serverVersion;
      if (options.clock.now().getTime() >= deadline) return undefined;
      await options.clock.sleep(options.intervalMs ?? 250);
    }
  } finally {
    await client.delete(resource, namespace, name).catch((err: unknown) => {
      if (!(err instanceof LifeboatError && err.code === 'NotFound')) throw err;
    });
  }
}

/** A warning when client and server differ in major or minor version (patch differences are fine). */
export function skewWarning(client: string, server: string): string | undefined {
  const mm = (v: string) => v.replace(/^v/, '').split('.').slice(0, 2).join('.');
  return mm(client) === mm(server)
    ? undefined
    : `client ${client} and server ${server} differ in major or minor version; use a client of the server's version`;
}
