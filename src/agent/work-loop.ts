import type { Logger } from 'pino';
import { errorMessage, LifeboatError } from '../core/errors.ts';
import { createInformer, type Informer } from '../kube/index.ts';
import type { ApiResourceInfo, DynamicClient, KubeObject } from '../kube/types.ts';

/**
 * One piece of work in flight: the handler reads `cancelRequested` and `stopping` at its checkpoints and hands
 * `transfer` to the repository engine, which stops mid-transfer when it fires.
 */
export interface WorkState {
  /** The object's spec.cancel was seen while the work ran. */
  cancelRequested: boolean;
  /** The agent is stopping: leave the object as it is (the next start resumes it). */
  readonly stopping: AbortSignal;
  /** Fires when spec.cancel is seen or the agent stops (`cancelRequested` and `stopping` say which). */
  readonly transfer: AbortSignal;
}

/** A handler's answer: nothing (done, or not this node's), or when to look again. */
export type HandlerResult = { retryAfterMs: number } | undefined;

export type Handler = (name: string, state: WorkState) => Promise<HandlerResult>;

/**
 * Watches one kind in the server's namespace and runs `handler(name)` for each object added or changed, never
 * twice at once for the same name: a change seen while the work runs reruns it afterwards (the handler reads the
 * object afresh and does nothing when it is finished), and a change that sets `spec.cancel` is passed to the work
 * in flight. The first list after start queues every existing object, which is how work of a previous run of
 * the agent is found again.
 */
export class WorkLoop {
  readonly #informer: Informer;
  readonly #handler: Handler;
  readonly #logger: Logger;
  readonly #running = new Map<
    string,
    { state: WorkState; cancel: AbortController; dirty: boolean; done: Promise<void> }
  >();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #stop = new AbortController();

  constructor(
    client: DynamicClient,
    resource: ApiResourceInfo,
    namespace: string,
    handler: Handler,
    logger: Logger,
  ) {
    this.#informer = createInformer(client, resource, { namespace }, logger);
    this.#handler = handler;
    this.#logger = logger;
    this.#informer.onAdd((o) => this.#kick(o));
    this.#informer.onUpdate((_old, o) => this.#kick(o));
  }

  async start(): Promise<void> {
    await this.#informer.start();
  }

  /**
   * Stops watching, drops pending retries, stops the transfers in flight (`transfer` fires) and waits for their
   * handlers, which leave their objects as they are for the next start to resume.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#informer.stop();
    await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  #kick(object: KubeObject): void {
    const name = object.metadata?.name;
    if (!name || this.#stop.signal.aborted) return;
    const running = this.#running.get(name);
    if (running) {
      running.dirty = true;
      if (
        (object.spec as { cancel?: boolean } | undefined)?.cancel === true &&
        !running.state.cancelRequested
      ) {
        running.state.cancelRequested = true;
        running.cancel.abort(new LifeboatError('Canceled', 'spec.cancel was set'));
      }
      return;
    }
    this.#run(name);
  }

  #run(name: string): void {
    const cancel = new AbortController();
    const stopping = this.#stop.signal;
    const onStop = () => cancel.abort(new LifeboatError('Canceled', 'the node agent is stopping'));
    stopping.addEventListener('abort', onStop, { once: true });
    const state: WorkState = { cancelRequested: false, stopping, transfer: cancel.signal };
    const entry = { state, cancel, dirty: false, done: Promise.resolve() };
    this.#running.set(name, entry);
    entry.done = this.#handler(name, state)
      .catch((err: unknown): HandlerResult => {
        this.#logger.warn({ name, err: errorMessage(err) }, 'work failed; trying again shortly');
        return { retryAfterMs: 2000 };
      })
      .then((result) => {
        stopping.removeEventListener('abort', onStop);
        this.#running.delete(name);
        if (this.#stop.signal.aborted) return;
        if (entry.dirty) this.#run(name);
        else if (result) {
          const timer = setTimeout(() => {
            this.#timers.delete(timer);
            if (!this.#running.has(name) && !this.#stop.signal.aborted) this.#run(name);
          }, result.retryAfterMs);
          this.#timers.add(timer);
        }
      });
  }
}
