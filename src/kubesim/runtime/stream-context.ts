import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import type { KubeObject } from '../registry/types.ts';
import type { ContainerRuntime } from './types.ts';

/** What the API server's router hands the exec, attach and log handlers for one request. */
export type PodStreamContext = {
  /** The pod named by the URL, already read (the router answered 404 if it does not exist). */
  pod: KubeObject;
  runtime: ContainerRuntime;
  logger: Logger;
  /** For `sinceSeconds`; the system clock when unset. */
  clock?: Clock;
  /** Exec'd commands running longer than this are killed (default one hour; 0 = never). */
  execTimeoutMs?: number;
};

export const DEFAULT_EXEC_TIMEOUT_MS = 60 * 60 * 1000;
