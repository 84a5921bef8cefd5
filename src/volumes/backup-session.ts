import type { ResourcePolicies } from '../api/config/resource-policies.ts';
import type { Clock } from '../core/clock.ts';
import { errorMessage } from '../core/errors.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';
import { backUpPodVolumes, type EnsureRepository, type PodVolumeTarget } from './pod-volume-backups.ts';
import { type BackupVolumeSettings, decideVolume, type PodVolume, type VolumeDecision } from './policy.ts';
import { loadResourcePolicies } from './resource-policies.ts';
import type {
  BackupVolumeResult,
  BackupVolumeRun,
  BackupVolumeSession,
  CsiSnapshotPort,
} from './services.ts';
import { type PvInfo, skippedVolume, sortVolumeInfos, type VolumeInfo } from './volume-info.ts';

export interface BackupVolumeSessionDeps {
  client: DynamicClient;
  catalog: ResourceCatalog;
  clock: Clock;
  /** The server's namespace: resource-policy ConfigMaps and PodVolumeBackups. */
  namespace: string;
  /** A's repository helper; without it volumes decided fs-backup are skipped, saying why. */
  ensureRepository?: EnsureRepository;
  /** C's snapshotter; without it claims decided snapshot are skipped, saying why. */
  csi?: CsiSnapshotPort;
  pollIntervalMs?: number;
}

interface ClaimDecision {
  decision: VolumeDecision;
  pod: string;
}

/**
 * One backup's volume work, driven by the items the engine writes. A pod starts its work when it is written:
 * its volumes are decided (`decideVolume`), its pre hooks run, its file-system volumes become
 * PodVolumeBackups that the node agent on its node carries out, and its post hooks run once those finished
 * (pods run concurrently). A claim backed up by file system through one pod is not backed up again through
 * another. When the engine has written every item, `finish` decides the claims no pod backed up, starts all
 * their CSI snapshots at once, and waits for everything, within the pod-volume timeout. Every decision ends
 * as one volume-info entry with its reason; every failure as an error naming the pod or claim and volume.
 */
export class BackupVolumeCoordinator implements BackupVolumeSession {
  readonly #deps: BackupVolumeSessionDeps;
  readonly #run: BackupVolumeRun;
  readonly #settings: BackupVolumeSettings;
  readonly #abort = new AbortController();
  readonly #tasks: Promise<void>[] = [];
  readonly #claims = new Map<string, KubeObject>();
  readonly #volumes = new Map<string, KubeObject>();
  readonly #claimReads = new Map<string, Promise<KubeObject | undefined>>();
  readonly #handledClaims = new Set<string>();
  readonly #claimDecisions = new Map<string, ClaimDecision>();
  readonly #infos: VolumeInfo[] = [];
  readonly #podVolumeBackups: KubeObject[] = [];
  #policies: Promise<ResourcePolicies | undefined> | undefined;

  constructor(deps: BackupVolumeSessionDeps, run: BackupVolumeRun) {
    this.#deps = deps;
    this.#run = run;
    const spec = run.backup.spec ?? {};
    this.#settings = {
      defaultVolumesToFsBackup: spec.defaultVolumesToFsBackup ?? spec.defaultVolumesToRestic ?? undefined,
      snapshotVolumes: spec.snapshotVolumes ?? undefined,
      includesClaims: run.includesClaims,
    };
  }

  observe(groupResource: string, item: KubeObject): void {
    if (groupResource === 'pods') this.#tasks.push(this.#podTask(item));
    else if (groupResource === 'persistentvolumeclaims') this.#claims.set(keyOf(item), item);
    else if (groupResource === 'persistentvolumes' && item.metadata?.name)
      this.#volumes.set(item.metadata.name, item);
  }

  async finish(options: { timeoutMs: number; signal?: AbortSignal }): Promise<BackupVolumeResult> {
    const timer = setTimeout(() => this.#abort.abort(), options.timeoutMs);
    const onAbort = (): void => this.#abort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all(this.#tasks);
      const snapshots = await this.#claimsWork();
      return {
        volumeInfos: sortVolumeInfos(this.#infos),
        podVolumeBackups: this.#podVolumeBackups,
        ...snapshots,
      };
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  #loadPolicies(): Promise<ResourcePolicies | undefined> {
    this.#policies ??= (async () => {
      const ref = this.#run.backup.spec?.resourcePolicy;
      if (!ref) return undefined;
      try {
        return await loadResourcePolicies(this.#deps.client, this.#deps.catalog, this.#deps.namespace, ref);
      } catch (err) {
        const message = `resource policies not applied: ${errorMessage(err)}`;
        this.#run.results.error({ kind: 'velero' }, message);
        this.#run.log.error({}, message);
        return undefined;
      }
    })();
    return this.#policies;
  }

  async #podTask(pod: KubeObject): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const podName = pod.metadata?.name ?? '';
    try {
      const targets = await this.#decidePod(pod);
      const hooks = this.#run.hooks;
      const proceed = hooks ? (await hooks.pre(pod)).proceed : true;
      if (!proceed) {
        for (const t of targets)
          this.#skipTarget(pod, t, 'a pre hook of the pod failed (onError: Fail): its volumes are left out');
      } else if (targets.length > 0) {
        await this.#backUp(pod, targets);
      }
      if (hooks && proceed) await hooks.post(pod);
    } catch (err) {
      const message = `pod ${namespace}/${podName}: volume backup failed: ${errorMessage(err)}`;
      this.#run.results.itemError(namespace, message);
      this.#run.log.error({ namespace, pod: podName }, message);
    }
  }

  /** Decides each of the pod's volumes; answers those to back up by file system, records the others. */
  async #decidePod(pod: KubeObject): Promise<(PodVolumeTarget & { reason: string })[]> {
    const policies = await this.#loadPolicies();
    const namespace = pod.metadata?.namespace ?? '';
    const volumes = ((pod.spec as { volumes?: PodVolume[] } | undefined)?.volumes ?? []).filter(
      (v) => v?.name,
    );
    const targets: (PodVolumeTarget & { reason: string })[] = [];
    for (const podVolume of volumes) {
      const claimName = (podVolume as { persistentVolumeClaim?: { claimName?: string } })
        .persistentVolumeClaim?.claimName;
      const pvc = claimName ? await this.#claim(namespace, claimName) : undefined;
      const pv = pvc ? await this.#volumeOf(pvc) : undefined;
      const decision = decideVolume({ pod, podVolume, pvc, pv }, this.#settings, policies);
      const claimKey = claimName ? `${namespace}/${claimName}` : undefined;
      this.#run.log.info(
        {
          namespace,
          pod: pod.metadata?.name,
          volume: podVolume.name,
          action: decision.action,
          reason: decision.reason,
        },
        'volume decision',
      );
      if (claimKey) {
        if (this.#handledClaims.has(claimKey)) continue;
        if (decision.action !== 'fs-backup') {
          if (!this.#claimDecisions.has(claimKey))
            this.#claimDecisions.set(claimKey, { decision, pod: pod.metadata?.name ?? '' });
          continue;
        }
        this.#handledClaims.add(claimKey);
      }
      if (decision.action === 'fs-backup')
        targets.push({ volume: podVolume.name, pvc, reason: decision.reason });
      else this.#infos.push(podVolumeEntry(pod, podVolume.name, decision.reason));
    }
    return targets;
  }

  #skipTarget(pod: KubeObject, target: PodVolumeTarget, reason: string): void {
    const entry = podVolumeEntry(pod, target.volume, reason);
    if (target.pvc) Object.assign(entry, claimFields(target.pvc, this.#pvFor(target.pvc)));
    this.#infos.push(entry);
  }

  async #backUp(pod: KubeObject, targets: (PodVolumeTarget & { reason: string })[]): Promise<void> {
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (phase !== 'Running' || !node) {
      for (const t of targets)
        this.#skipTarget(
          pod,
          t,
          `the pod is not running (phase ${phase ?? 'unknown'}): file-system backup needs it running`,
        );
      // Velero logs this and goes on; the volume-info entries say why each volume is missing.
      this.#run.log.warn(
        { namespace: pod.metadata?.namespace, pod: pod.metadata?.name, volumes: targets.length },
        'pod is not running: its volumes are not backed up by file system',
      );
      return;
    }
    const { ensureRepository } = this.#deps;
    if (!ensureRepository) {
      for (const t of targets)
        this.#skipTarget(pod, t, 'file-system backup is not available: no node agents are set up');
      this.#warn(pod, 'file-system backup is not available: no node agents are set up');
      return;
    }
    const outcomes = await backUpPodVolumes(
      { ...this.#deps, ensureRepository },
      this.#run.backup,
      pod,
      targets,
      this.#abort.signal,
    );
    const namespace = pod.metadata?.namespace ?? '';
    for (const outcome of outcomes) {
      const claim = outcome.info.pvcName
        ? this.#claims.get(`${outcome.info.pvcNamespace}/${outcome.info.pvcName}`)
        : undefined;
      const pv = claim ? this.#pvFor(claim) : undefined;
      this.#infos.push(pv ? { ...outcome.info, pvInfo: pvInfoOf(pv) } : outcome.info);
      if (outcome.podVolumeBackup) this.#podVolumeBackups.push(outcome.podVolumeBackup);
      if (outcome.error) {
        this.#run.results.itemError(namespace, outcome.error);
        this.#run.log.error({ namespace, pod: pod.metadata?.name }, outcome.error);
      } else {
        this.#run.log.info(
          {
            namespace,
            pod: pod.metadata?.name,
            volume: outcome.info.pvbInfo?.volumeName,
            snapshotID: outcome.info.pvbInfo?.snapshotHandle,
          },
          'pod volume backed up',
        );
      }
    }
  }

  #warn(pod: KubeObject, message: string): void {
    const namespace = pod.metadata?.namespace ?? '';
    const text = `pod ${namespace}/${pod.metadata?.name}: ${message}`;
    this.#run.results.itemWarning(namespace, text);
    this.#run.log.warn({ namespace, pod: pod.metadata?.name }, text);
  }

  /** Claims no pod backed up by file system: skipped or snapshotted (all snapshots at once). */
  async #claimsWork(): Promise<
    Pick<BackupVolumeResult, 'csiVolumeSnapshotsAttempted' | 'csiVolumeSnapshotsCompleted'>
  > {
    const policies = await this.#loadPolicies();
    const claimedVolumes = new Set<string>();
    const snapshots: Promise<void>[] = [];
    let attempted = 0;
    let completed = 0;
    for (const [key, pvc] of this.#claims) {
      const pv = this.#pvFor(pvc) ?? (await this.#volumeOf(pvc));
      if (pv?.metadata?.name) claimedVolumes.add(pv.metadata.name);
      if (this.#handledClaims.has(key)) continue;
      const decision =
        this.#claimDecisions.get(key)?.decision ?? decideVolume({ pvc, pv }, this.#settings, policies);
      if (decision.action !== 'snapshot') {
        this.#infos.push({ ...claimFields(pvc, pv), ...skippedVolume(decision.reason) });
        continue;
      }
      const csi = this.#deps.csi;
      if (!csi || !pv) {
        const why = !pv
          ? `${decision.reason}, but the claim is not bound to a PersistentVolume`
          : `${decision.reason}, but CSI snapshots are not available`;
        this.#infos.push({ ...claimFields(pvc, pv), ...skippedVolume(why) });
        continue;
      }
      const unavailable = await this.#snapshotUnavailable(csi, decision, pvc, pv);
      if (unavailable) {
        this.#infos.push({
          ...claimFields(pvc, pv),
          ...skippedVolume(`${decision.reason}, but ${unavailable}`),
        });
        continue;
      }
      attempted++;
      snapshots.push(
        csi.snapshot(this.#run.backup, pvc, pv).then(
          (info) => {
            if (info.result !== 'failed' && !info.skipped) completed++;
            if (info.result === 'failed')
              this.#claimError(
                pvc,
                `CSI snapshot failed${info.skippedReason ? `: ${info.skippedReason}` : ''}`,
              );
            this.#infos.push({ ...info, ...(info.pvInfo ? {} : { pvInfo: pvInfoOf(pv) }) });
          },
          (err: unknown) => {
            this.#claimError(pvc, `CSI snapshot failed: ${errorMessage(err)}`);
            this.#infos.push({
              ...claimFields(pvc, pv),
              backupMethod: 'CSISnapshot',
              snapshotDataMoved: this.#run.backup.spec?.snapshotMoveData === true,
              preserveLocalSnapshot: false,
              skipped: false,
              result: 'failed',
            });
          },
        ),
      );
    }
    for (const [name, pv] of this.#volumes) {
      if (claimedVolumes.has(name)) continue;
      const claim = (pv.spec as { claimRef?: { namespace?: string; name?: string } } | undefined)?.claimRef;
      this.#infos.push({
        pvcName: claim?.name,
        pvcNamespace: claim?.namespace,
        pvName: name,
        ...skippedVolume('its claim is not in the backup: only claimed volumes are backed up'),
        pvInfo: pvInfoOf(pv),
      });
    }
    await Promise.all(snapshots);
    return { csiVolumeSnapshotsAttempted: attempted, csiVolumeSnapshotsCompleted: completed };
  }

  /**
   * Why a snapshot the defaults asked for cannot be taken (not a CSI volume, no VolumeSnapshotClass for its
   * driver): then the claim is skipped, saying so, as a backup of a cluster without snapshot classes is not
   * a failure. A snapshot a resource policy asked for is always attempted, and fails loudly.
   */
  async #snapshotUnavailable(
    csi: CsiSnapshotPort,
    decision: VolumeDecision,
    pvc: KubeObject,
    pv: KubeObject,
  ): Promise<string | undefined> {
    if (decision.source === 'policy') return undefined;
    const driver = (pv.spec as { csi?: { driver?: string } } | undefined)?.csi?.driver;
    if (!driver) return 'the volume is not a CSI volume (no snapshotter for it)';
    if (!csi.classFor) return undefined;
    try {
      if (await csi.classFor(pvc, pv, this.#run.backup)) return undefined;
    } catch (err) {
      return `its VolumeSnapshotClass cannot be read: ${errorMessage(err)}`;
    }
    return `no VolumeSnapshotClass for driver ${driver} is labelled lifeboat.io/csi-volumesnapshot-class=true`;
  }

  #claimError(pvc: KubeObject, message: string): void {
    const namespace = pvc.metadata?.namespace ?? '';
    const text = `persistentvolumeclaim ${namespace}/${pvc.metadata?.name}: ${message}`;
    this.#run.results.itemError(namespace, text);
    this.#run.log.error({ namespace, pvc: pvc.metadata?.name }, text);
  }

  /** The claim as written to the backup, else as the cluster has it (read once). */
  #claim(namespace: string, name: string): Promise<KubeObject | undefined> {
    const key = `${namespace}/${name}`;
    const known = this.#claims.get(key);
    if (known) return Promise.resolve(known);
    let read = this.#claimReads.get(key);
    if (!read) {
      const resource = this.#deps.catalog.resolve('persistentvolumeclaims');
      read = resource
        ? this.#deps.client.get(resource, namespace, name).catch(() => undefined)
        : Promise.resolve(undefined);
      this.#claimReads.set(key, read);
    }
    return read;
  }

  #pvFor(pvc: KubeObject): KubeObject | undefined {
    const name = (pvc.spec as { volumeName?: string } | undefined)?.volumeName;
    return name ? this.#volumes.get(name) : undefined;
  }

  async #volumeOf(pvc: KubeObject): Promise<KubeObject | undefined> {
    const name = (pvc.spec as { volumeName?: string } | undefined)?.volumeName;
    if (!name) return undefined;
    const known = this.#volumes.get(name);
    if (known) return known;
    const resource = this.#deps.catalog.resolve('persistentvolumes');
    if (!resource) return undefined;
    return this.#deps.client.get(resource, undefined, name).catch(() => undefined);
  }
}

function keyOf(item: KubeObject): string {
  return `${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`;
}

function claimFields(
  pvc: KubeObject,
  pv: KubeObject | undefined,
): Pick<VolumeInfo, 'pvcName' | 'pvcNamespace' | 'pvName' | 'pvInfo'> {
  const pvName = (pvc.spec as { volumeName?: string } | undefined)?.volumeName || undefined;
  return {
    pvcName: pvc.metadata?.name,
    pvcNamespace: pvc.metadata?.namespace,
    ...(pvName ? { pvName } : {}),
    ...(pv ? { pvInfo: pvInfoOf(pv) } : {}),
  };
}

function pvInfoOf(pv: KubeObject): PvInfo {
  return {
    reclaimPolicy: (pv.spec as { persistentVolumeReclaimPolicy?: string } | undefined)
      ?.persistentVolumeReclaimPolicy,
    labels: pv.metadata?.labels,
  };
}

/** A skipped pod volume that is not a claim, named by pod and volume. */
function podVolumeEntry(pod: KubeObject, volume: string, reason: string): VolumeInfo {
  return {
    ...skippedVolume(reason),
    pvbInfo: {
      volumeName: volume,
      podName: pod.metadata?.name ?? '',
      podNamespace: pod.metadata?.namespace ?? '',
      nodeName: (pod.spec as { nodeName?: string } | undefined)?.nodeName,
    },
  };
}
