import { join } from 'node:path';
import type { Command } from 'commander';
import type { KubeConnection } from '../../kube/client.ts';
import type { CliRuntime } from '../runtime.ts';
import type { LifeboatClient } from './lifeboat-client.ts';

/** The server's namespace when neither `-n` nor LIFEBOAT_NAMESPACE says otherwise. */
export const DEFAULT_NAMESPACE = 'lifeboat';

/** The global flags every cluster command reads. */
export type GlobalOptions = { kubeconfig?: string; kubeContext?: string; namespace?: string };

/** What a cluster command works with: the connection, the Lifeboat client and the server's namespace. */
export type Session = { conn: KubeConnection; client: LifeboatClient; namespace: string };

/** `--kubeconfig`, else the first path of KUBECONFIG, else `~/.kube/config`. */
export function kubeconfigPath(options: GlobalOptions, runtime: CliRuntime): string {
  if (options.kubeconfig) return options.kubeconfig;
  const fromEnv = runtime.env.KUBECONFIG?.split(':').find((p) => p !== '');
  return fromEnv ?? join(runtime.home, '.kube', 'config');
}

/** `-n`, else LIFEBOAT_NAMESPACE, else `lifeboat`. */
export function serverNamespace(options: GlobalOptions, runtime: CliRuntime): string {
  return options.namespace || runtime.env.LIFEBOAT_NAMESPACE || DEFAULT_NAMESPACE;
}

/**
 * Connects with the global flags of `command` (and its parents). Nothing is contacted until first use. The
 * Kubernetes client library loads here, on first use, so commands that never reach a cluster start fast.
 */
export async function openSession(command: Command, runtime: CliRuntime): Promise<Session> {
  const [{ connect }, { createLifeboatClient }] = await Promise.all([
    import('../../kube/client.ts'),
    import('./lifeboat-client.ts'),
  ]);
  const options = command.optsWithGlobals() as GlobalOptions;
  const conn = connect(kubeconfigPath(options, runtime), options.kubeContext);
  const namespace = serverNamespace(options, runtime);
  return { conn, client: createLifeboatClient(conn, namespace), namespace };
}
