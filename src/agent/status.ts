import { DATA_MOVEMENT_TERMINAL_PHASES } from '../api/shared/data-movement.ts';
import type { Clock } from '../core/clock.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../kube/types.ts';

/** Kubernetes timestamps are whole seconds. */
export function timestamp(clock: Clock): string {
  return new Date(Math.floor(clock.now().getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function phaseOf(object: KubeObject): string {
  return (object.status as { phase?: string } | undefined)?.phase ?? '';
}

export function isFinished(object: KubeObject): boolean {
  return (DATA_MOVEMENT_TERMINAL_PHASES as readonly string[]).includes(phaseOf(object));
}

/** Merge-patches `status` through the status subresource. */
export function patchStatus(
  client: DynamicClient,
  resource: ApiResourceInfo,
  object: KubeObject,
  status: Record<string, unknown>,
): Promise<KubeObject> {
  return client.patch(
    resource,
    object.metadata?.namespace,
    object.metadata?.name ?? '',
    'merge',
    { status },
    { subresource: 'status' },
  );
}

/** Final statuses are worth a few tries: a lost one would leave the object InProgress until the next start. */
export async function patchFinalStatus(
  client: DynamicClient,
  resource: ApiResourceInfo,
  object: KubeObject,
  status: Record<string, unknown>,
  clock: Clock,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await patchStatus(client, resource, object, status);
      return;
    } catch (err) {
      if (attempt >= 4) throw err;
      await clock.sleep(200 * 2 ** attempt);
    }
  }
}

/**
 * Sends progress patches without queueing them up: while one is in flight newer figures replace the pending
 * one, and `close` waits for the last, so a final status is never overtaken by progress.
 */
export class ProgressPatcher {
  readonly #send: (p: { totalBytes: number; bytesDone: number }) => Promise<unknown>;
  #pending: { totalBytes: number; bytesDone: number } | undefined;
  #inFlight: Promise<void> | undefined;
  #closed = false;

  constructor(send: (p: { totalBytes: number; bytesDone: number }) => Promise<unknown>) {
    this.#send = send;
  }

  report(progress: { totalBytes: number; bytesDone: number }): void {
    if (this.#closed) return;
    this.#pending = progress;
    if (!this.#inFlight) this.#flush();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#inFlight;
  }

  #flush(): void {
    const value = this.#pending;
    this.#pending = undefined;
    if (!value) return;
    this.#inFlight = this.#send(value)
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.#inFlight = undefined;
        if (!this.#closed) this.#flush();
      });
  }
}

export interface TransferProgress {
  totalBytes: number;
  bytesDone: number;
}

/** The message of a transfer cancelled part-way: how far it got, and what that leaves behind. */
export function cancelledMessage(progress: TransferProgress | undefined, leftBehind: string): string {
  const mib = (n: number) => `${(n / (1 << 20)).toFixed(1)} MiB`;
  const done =
    progress && progress.totalBytes > 0
      ? ` after ${mib(progress.bytesDone)} of ${mib(progress.totalBytes)}`
      : '';
  return `cancelled during the transfer${done}; ${leftBehind}`;
}
