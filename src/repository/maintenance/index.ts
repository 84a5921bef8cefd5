/**
 * Repository maintenance on top of the engine: retention (`applyRetention`, pure, shared with schedule
 * retention), `forget`, `prune` (crash-safe ordering), `check` (structure and read-data), `stats`, key
 * management and `unlock`. Every operation takes a `Repository` and the locks restic would take.
 */
export {
  type AffectedSnapshot,
  type CheckOptions,
  type CheckPhase,
  type CheckProblem,
  type CheckReport,
  check,
  type DamagedPack,
  type LostBlob,
} from './check.ts';
export { type ForgetGroup, type ForgetOptions, type ForgetResult, forget } from './forget.ts';
export {
  DEFAULT_GROUP_BY,
  type GroupBy,
  groupSnapshots,
  parseGroupBy,
  type SnapshotGroupKey,
} from './group.ts';
export { type BlobCopy, expectedPackSize, type IndexFile, IndexView, loadIndexFiles } from './index-view.ts';
export {
  type AddKeyOptions,
  addKey,
  changePassword,
  type KeyInfo,
  listKeys,
  removeKey,
  resolveKeyId,
} from './keys.ts';
export { type PruneOptions, type PruneResult, type PruneStep, prune } from './prune.ts';
export {
  type MaxUnused,
  maxUnusedBytes,
  type PrunePlan,
  type PruneStats,
  parseMaxUnused,
  parseSize,
  planPrune,
} from './prune-plan.ts';
export { parseReadDataSubset, type ReadDataSubset, selectPacks } from './read-data-subset.ts';
export {
  applyRetention,
  type CalendarDuration,
  describePolicy,
  formatCalendarDuration,
  isEmptyPolicy,
  type KeepCounters,
  type KeepReason,
  parseCalendarDuration,
  type RetainableSnapshot,
  type RetentionDecision,
  type RetentionPolicy,
} from './retention.ts';
export { filterSnapshots, matchesFilter, parseTagLists, type SnapshotFilter } from './snapshot-filter.ts';
export { type RepoStats, type RestoreSize, RestoreSizer, type StatsOptions, stats } from './stats.ts';
export { type RemovedLock, unlock } from './unlock.ts';
export { collectUsedBlobs, visitTrees } from './used-blobs.ts';
