/**
 * The controller runtime: a deduplicating work queue with per-key backoff, leader election on a Lease, an
 * Events recorder, condition helpers and the informer → queue → reconcile loop. Reconcilers (one file per
 * resource, in `src/controllers/`) are built on these.
 */
export {
  type ConditionUpdate,
  conditionChanged,
  findCondition,
  isConditionTrue,
  removeCondition,
  setCondition,
} from './conditions.ts';
export { Controller, type ControllerOptions, type ReconcileResult, type Reconciler } from './controller.ts';
export { EVENTS_RESOURCE, EventRecorder, type EventRecorderOptions, type EventType } from './events.ts';
export {
  LEASES_RESOURCE,
  type LeaderCallbacks,
  type LeaderElectionOptions,
  LeaderElector,
} from './leader-election.ts';
export { WorkQueue, type WorkQueueOptions } from './work-queue.ts';
