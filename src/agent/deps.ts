import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { DynamicClient } from '../kube/types.ts';
import type { RepositoryAccess } from '../volumes/repositories/index.ts';

/** What every handler of the node agent needs. */
export interface AgentDeps {
  client: DynamicClient;
  /** The server's namespace: the agent's requests and the repositories' objects live there. */
  namespace: string;
  /** This node's name: only requests for it are handled. */
  node: string;
  /** Where the node's file system is mounted (`/` in a DaemonSet pod with hostPath mounts; a node root on kubesim). */
  hostRoot: string;
  repositories: RepositoryAccess;
  logger: Logger;
  clock: Clock;
  /** Minimum time between progress patches (default 500 ms: at most 2 a second). */
  progressIntervalMs: number;
}
