import type { ResourcePolicies, VolumeConditions, VolumePolicy } from '../api/config/resource-policies.ts';
import { ANNOTATIONS } from '../api/labels.ts';
import type { KubeObject } from '../kube/types.ts';
import { inCapacityRange, parseQuantity } from './quantity.ts';

/** What a backup does with one volume's data. */
export type VolumeAction = 'fs-backup' | 'snapshot' | 'skip';

/** Which rule decided: a resource policy, the pod's annotations, the backup's defaults, or the volume's type. */
export type DecisionSource = 'policy' | 'annotation' | 'default' | 'volume-type';

export interface VolumeDecision {
  action: VolumeAction;
  source: DecisionSource;
  /** Why, in words a user reads in the volume-info file and the log. */
  reason: string;
  /** The matching policy's action parameters, when a policy decided. */
  parameters?: Record<string, unknown>;
}

/** One volume as the decision sees it: a pod's volume (with its claim and PV when it mounts one), or a claim alone. */
export interface VolumeSubject {
  /** The pod whose volume this is; absent for a claim no backed-up pod mounts. */
  pod?: KubeObject;
  /** The pod volume's entry in `spec.volumes` (name and source). */
  podVolume?: PodVolume;
  pvc?: KubeObject;
  pv?: KubeObject;
}

export interface PodVolume {
  name: string;
  [source: string]: unknown;
}

export interface BackupVolumeSettings {
  defaultVolumesToFsBackup?: boolean;
  snapshotVolumes?: boolean;
  /** False when `persistentvolumeclaims` are excluded from the backup: PVC volumes are not backed up. */
  includesClaims?: boolean;
}

/** Volume sources whose data comes from the API (or the host) and is never backed up by file system. */
const NEVER_FS: Readonly<Record<string, string>> = {
  hostPath: 'hostPath volumes are on the node, not the pod: not backed up',
  secret: 'secret volumes come from the Secret, which is backed up as an object',
  configMap: 'configMap volumes come from the ConfigMap, which is backed up as an object',
  projected: 'projected volumes come from API objects, which are backed up as objects',
  downwardAPI: 'downwardAPI volumes come from the pod itself',
};

/**
 * Decides what happens to one volume's data, the first rule that applies winning:
 * 1. volume types whose data is not the pod's (hostPath, secret, configMap, projected, downwardAPI, service
 *    account tokens) and hostPath PVs are skipped;
 * 2. the first matching volume policy of the backup's resource policies decides (`skip`, `fs-backup`,
 *    `snapshot`; `custom` is left to plugins, so the volume is skipped here);
 * 3. the pod's annotations: a volume in `backup.lifeboat.io/backup-volumes-excludes` is not backed up by
 *    file system; one in `backup.lifeboat.io/backup-volumes` is;
 * 4. the backup's defaults: `defaultVolumesToFsBackup` backs every remaining pod volume up by file system;
 *    else a claim's volume is snapshotted unless `snapshotVolumes` is false.
 * A snapshot needs a claim; a file-system backup needs a pod: a decision that cannot be carried out becomes
 * a skip saying so. The same subject and settings always give the same decision.
 */
export function decideVolume(
  subject: VolumeSubject,
  settings: BackupVolumeSettings,
  policies?: ResourcePolicies,
): VolumeDecision {
  return (
    typeDecision(subject, settings) ??
    policyDecision(subject, policies) ??
    annotationDecision(subject, settings) ??
    claimDefault(subject.pvc, settings, 'no pod in the backup mounts it')
  );
}

function typeDecision(
  { podVolume, pvc, pv }: VolumeSubject,
  settings: BackupVolumeSettings,
): VolumeDecision | undefined {
  if (podVolume) {
    const never = NEVER_FS[volumeSourceType(podVolume)];
    if (never) return skip('volume-type', never);
    if (podVolume.name.startsWith('default-token'))
      return skip('volume-type', 'service account token volumes are not backed up');
  }
  if (pvc && settings.includesClaims === false)
    return skip('volume-type', 'persistentvolumeclaims are excluded from the backup');
  if (pv && (pv.spec as { hostPath?: unknown } | undefined)?.hostPath)
    return skip('volume-type', 'the PersistentVolume is a hostPath volume: not backed up');
  return undefined;
}

function policyDecision(
  subject: VolumeSubject,
  policies: ResourcePolicies | undefined,
): VolumeDecision | undefined {
  const policy = matchingPolicy(subject, policies);
  if (!policy) return undefined;
  const label = `resource policy ${policyLabel(policy, policies)}`;
  const parameters = policy.action.parameters;
  const withParameters = (d: VolumeDecision): VolumeDecision => (parameters ? { ...d, parameters } : d);
  switch (policy.action.type) {
    case 'skip':
      return withParameters(skip('policy', `${label} says skip`));
    case 'fs-backup':
      if (!subject.pod)
        return skip('policy', `${label} says fs-backup, but no pod in the backup mounts the volume`);
      return withParameters({ action: 'fs-backup', source: 'policy', reason: `${label} says fs-backup` });
    case 'snapshot':
      if (!subject.pvc)
        return skip('policy', `${label} says snapshot, but the volume is not a PersistentVolumeClaim`);
      return withParameters({ action: 'snapshot', source: 'policy', reason: `${label} says snapshot` });
    default:
      return withParameters(skip('policy', `${label} has a custom action, left to plugins`));
  }
}

function annotationDecision(
  { pod, podVolume, pvc }: VolumeSubject,
  settings: BackupVolumeSettings,
): VolumeDecision | undefined {
  if (!pod || !podVolume) return undefined;
  const name = podVolume.name;
  const annotations = pod.metadata?.annotations ?? {};
  if (listed(annotations[ANNOTATIONS.backupVolumesExcludes], name))
    return claimDefault(
      pvc,
      settings,
      `excluded from file-system backup by the pod annotation ${ANNOTATIONS.backupVolumesExcludes}`,
    );
  if (listed(annotations[ANNOTATIONS.backupVolumes], name))
    return {
      action: 'fs-backup',
      source: 'annotation',
      reason: `opted in by the pod annotation ${ANNOTATIONS.backupVolumes}`,
    };
  if (settings.defaultVolumesToFsBackup === true)
    return { action: 'fs-backup', source: 'default', reason: 'defaultVolumesToFsBackup is true' };
  return claimDefault(
    pvc,
    settings,
    `not opted in to file-system backup (no ${ANNOTATIONS.backupVolumes} entry, defaultVolumesToFsBackup is not set)`,
  );
}

/** A claim's fallback: a snapshot unless `snapshotVolumes` is false; other volumes are skipped for `why`. */
function claimDefault(
  pvc: KubeObject | undefined,
  settings: BackupVolumeSettings,
  why: string,
): VolumeDecision {
  if (!pvc) return skip(why.startsWith('excluded') ? 'annotation' : 'default', why);
  if (settings.snapshotVolumes === false) return skip('default', `${why}; snapshotVolumes is false`);
  return { action: 'snapshot', source: 'default', reason: `${why}; snapshotVolumes is not false` };
}

function skip(source: DecisionSource, reason: string): VolumeDecision {
  return { action: 'skip', source, reason };
}

/** Comma-separated volume names, as Velero reads them (entries trimmed here, which Velero does not do). */
function listed(annotation: string | undefined, name: string): boolean {
  if (!annotation) return false;
  return annotation.split(',').some((entry) => entry.trim() === name);
}

function policyLabel(policy: VolumePolicy, policies: ResourcePolicies | undefined): string {
  return `#${(policies?.volumePolicies ?? []).indexOf(policy) + 1}`;
}

/** The first volume policy whose conditions all match the subject. */
export function matchingPolicy(
  subject: VolumeSubject,
  policies: ResourcePolicies | undefined,
): VolumePolicy | undefined {
  for (const policy of policies?.volumePolicies ?? [])
    if (conditionsMatch(policy.conditions, facts(subject))) return policy;
  return undefined;
}

interface VolumeFacts {
  storageClass?: string;
  capacity?: number;
  type: string;
  csi?: { driver?: string; volumeAttributes?: Record<string, string> };
  nfs?: { server?: string; path?: string };
  pvcLabels?: Record<string, string>;
  pvcPhase?: string;
}

function facts({ podVolume, pvc, pv }: VolumeSubject): VolumeFacts {
  const pvSpec = (pv?.spec ?? {}) as {
    storageClassName?: string;
    capacity?: { storage?: string };
    csi?: { driver?: string; volumeAttributes?: Record<string, string> };
    nfs?: { server?: string; path?: string };
  };
  const pvcSpec = (pvc?.spec ?? {}) as {
    storageClassName?: string;
    resources?: { requests?: { storage?: string } };
  };
  const pvcStatus = (pvc?.status ?? {}) as { phase?: string; capacity?: { storage?: string } };
  // A claim's volume is described by its PV when there is one (Velero matches the PV's source); a plain pod
  // volume by its own source.
  const type = pv
    ? volumeSourceType(pvSpec as Record<string, unknown>)
    : podVolume
      ? volumeSourceType(podVolume)
      : '';
  const podSource = (podVolume ?? {}) as { csi?: VolumeFacts['csi']; nfs?: VolumeFacts['nfs'] };
  return {
    storageClass: pvSpec.storageClassName || pvcSpec.storageClassName || undefined,
    capacity: parseQuantity(
      pvSpec.capacity?.storage ?? pvcStatus.capacity?.storage ?? pvcSpec.resources?.requests?.storage,
    ),
    type,
    csi: pvSpec.csi ?? podSource.csi,
    nfs: pvSpec.nfs ?? podSource.nfs,
    pvcLabels: pvc?.metadata?.labels,
    pvcPhase: pvc ? (pvcStatus.phase ?? 'Pending') : undefined,
  };
}

function conditionsMatch(conditions: VolumeConditions, f: VolumeFacts): boolean {
  if (conditions.capacity !== undefined && !inCapacityRange(conditions.capacity, f.capacity)) return false;
  if (!oneOf(conditions.storageClass, f.storageClass)) return false;
  if (!oneOf(conditions.volumeTypes, f.type)) return false;
  if (!oneOf(conditions.pvcPhase, f.pvcPhase)) return false;
  if (conditions.csi && !sourceMatches(conditions.csi, f.csi)) return false;
  if (conditions.nfs && !sourceMatches(conditions.nfs, f.nfs)) return false;
  if (conditions.pvcLabels && !(f.pvcLabels && hasAll(f.pvcLabels, conditions.pvcLabels))) return false;
  return true;
}

/** No condition, or the value is one of the allowed ones. */
function oneOf(allowed: readonly string[] | undefined, value: string | undefined): boolean {
  return allowed === undefined || (value !== undefined && allowed.includes(value));
}

/** Every field the condition sets is equal in the source (volumeAttributes: every entry present). */
function sourceMatches(
  condition: { driver?: string; volumeAttributes?: Record<string, string>; server?: string; path?: string },
  source:
    | { driver?: string; volumeAttributes?: Record<string, string>; server?: string; path?: string }
    | undefined,
): boolean {
  if (!source) return false;
  for (const key of ['driver', 'server', 'path'] as const)
    if (condition[key] && condition[key] !== source[key]) return false;
  return hasAll(source.volumeAttributes ?? {}, condition.volumeAttributes ?? {});
}

function hasAll(have: Record<string, string>, want: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) return false;
  return true;
}

const NOT_SOURCES = new Set([
  'name',
  'storageClassName',
  'capacity',
  'accessModes',
  'claimRef',
  'persistentVolumeReclaimPolicy',
  'mountOptions',
  'volumeMode',
  'nodeAffinity',
  'volumeAttributesClassName',
]);

/** The source field of a pod volume or PV spec (`persistentVolumeClaim`, `emptyDir`, `csi`, `hostPath`, …). */
export function volumeSourceType(source: Record<string, unknown>): string {
  for (const key of Object.keys(source)) if (!NOT_SOURCES.has(key) && source[key] != null) return key;
  return '';
}
