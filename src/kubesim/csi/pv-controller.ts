import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { errorMessage } from '../../core/errors.ts';
import { HOSTPATH_TOPOLOGY_KEY } from '../cluster/nodes.ts';
import { ignoreNotFound } from '../cluster/runtime/api-errors.ts';
import type { ClusterContext } from '../cluster/runtime/context.ts';
import { Controller } from '../cluster/runtime/controller.ts';
import { objectKey, splitKey } from '../cluster/runtime/informer.ts';
import { isPodActive, metaTime, orNull } from '../cluster/runtime/objects.ts';
import { parseQuantity } from '../cluster/runtime/quantity.ts';
import {
  type LabelSelector,
  matchesLabelSelector,
  matchesNodeSelectorTerms,
  type NodeSelectorTerm,
} from '../cluster/runtime/selectors.ts';
import type { KubeObject } from '../registry/types.ts';
import {
  BETA_STORAGE_PROVISIONER_ANNOTATION,
  BIND_COMPLETED_ANNOTATION,
  BOUND_BY_CONTROLLER_ANNOTATION,
  DEFAULT_CLASS_ANNOTATION,
  HOSTPATH_DRIVER,
  PROVISIONED_BY_ANNOTATION,
  PV_PROTECTION_FINALIZER,
  PVC_PROTECTION_FINALIZER,
  SELECTED_NODE_ANNOTATION,
  STORAGE_PROVISIONER_ANNOTATION,
} from './constants.ts';
import { copyTree, type Limiter } from './copy-tree.ts';
import { csiSnapshotDir, csiVolumeDir } from './paths.ts';

const PROVISIONER_FINALIZER = 'external-provisioner.volume.kubernetes.io/finalizer';
const COMPONENT = 'persistentvolume-controller';
const PROVISIONER_COMPONENT = `${HOSTPATH_DRIVER}_csi-hostpathplugin-0`;

type ClaimSpec = {
  storageClassName?: string;
  volumeName?: string;
  accessModes?: string[];
  volumeMode?: string;
  selector?: LabelSelector;
  resources?: { requests?: { storage?: string } };
  dataSource?: { apiGroup?: string; kind: string; name: string };
  dataSourceRef?: { apiGroup?: string; kind: string; name: string; namespace?: string };
};
type ClaimRef = {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
};
type VolumeSpec = {
  claimRef?: ClaimRef;
  storageClassName?: string;
  capacity?: { storage?: string };
  accessModes?: string[];
  volumeMode?: string;
  persistentVolumeReclaimPolicy?: string;
  csi?: { driver: string; volumeHandle: string };
  nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
};

const claimSpec = (pvc: KubeObject): ClaimSpec => (pvc.spec ?? {}) as ClaimSpec;
const volumeSpec = (pv: KubeObject): VolumeSpec => (pv.spec ?? {}) as VolumeSpec;
const phaseOf = (obj: KubeObject): string | undefined =>
  (obj.status as { phase?: string } | undefined)?.phase;

/** Whether a volume's claimRef reserves it for this claim (a restored volume's claimRef has no uid yet). */
function reservedFor(ref: ClaimRef, pvc: KubeObject): boolean {
  return (
    ref.namespace === pvc.metadata.namespace &&
    ref.name === pvc.metadata.name &&
    (!ref.uid || ref.uid === pvc.metadata.uid)
  );
}

/** Whether an available volume satisfies a claim: class, capacity, access modes, volume mode, selector, topology. */
function satisfies(
  pv: KubeObject,
  spec: ClaimSpec,
  request: number,
  selectedNode: KubeObject | undefined,
): boolean {
  const v = volumeSpec(pv);
  if ((v.storageClassName ?? '') !== (spec.storageClassName ?? '')) return false;
  if (parseQuantity(v.capacity?.storage ?? '0') < request) return false;
  if (!(spec.accessModes ?? []).every((m) => (v.accessModes ?? []).includes(m))) return false;
  if ((v.volumeMode ?? 'Filesystem') !== (spec.volumeMode ?? 'Filesystem')) return false;
  if (spec.selector && !matchesLabelSelector(spec.selector, pv.metadata.labels)) return false;
  return !selectedNode || matchesNodeSelectorTerms(v.nodeAffinity?.required?.nodeSelectorTerms, selectedNode);
}

/**
 * The PersistentVolume controller and the hostpath driver's external provisioner in one: it binds claims to
 * matching existing volumes (pre-bound by claimRef or volumeName first, then class, capacity, access modes,
 * volume mode, selector and node topology), or provisions `pvc-<claim uid>` backed by
 * `<dataDir>/csi/volumes/<handle>/` with node affinity to the claim's selected node (WaitForFirstConsumer) or
 * any node (Immediate), pre-filled from a VolumeSnapshot or cloned from a claim when the claim's
 * dataSource(Ref) says so. It sets the phases and annotations a real control plane sets, assigns the
 * default class to claims without one, keeps the pvc/pv-protection finalizers, and reclaims released
 * volumes: Delete removes the PV and its directory, Retain keeps it Released.
 */
export function startPersistentVolumeController(ctx: ClusterContext, copies: Limiter): Controller {
  const { api, refs, informers } = ctx;
  const pvcs = informers.get(refs.pvcs);
  const pvs = informers.get(refs.pvs);
  const nodes = informers.get(refs.nodes);
  const provisioning = new Map<string, Promise<void>>();
  const failures = new Map<string, string>();
  const controller = new Controller(ctx, 'persistentvolume', (key) => reconcile(key));
  controller.watch(pvcs, (pvc) => {
    const keys = [`pvc:${objectKey(pvc)}`];
    const volume = claimSpec(pvc).volumeName;
    if (volume) keys.push(`pv:${volume}`);
    for (const pv of pvs.list()) {
      const ref = volumeSpec(pv).claimRef;
      if (ref?.namespace === pvc.metadata.namespace && ref?.name === pvc.metadata.name)
        keys.push(`pv:${pv.metadata.name}`);
    }
    return keys;
  });
  controller.watch(pvs, (pv) => {
    const keys = [`pv:${pv.metadata.name}`];
    const ref = volumeSpec(pv).claimRef;
    if (ref?.namespace && ref.name) keys.push(`pvc:${ref.namespace}/${ref.name}`);
    else for (const pvc of pvcs.list()) if (!claimSpec(pvc).volumeName) keys.push(`pvc:${objectKey(pvc)}`);
    return keys;
  });
  // Claims being deleted wait for their pods to go; snapshots becoming ready unblock provisioning.
  controller.watch(informers.get(refs.pods), (pod) =>
    pod.metadata.deletionTimestamp || !isPodActive(pod)
      ? claimsOf(pod).map((c) => `pvc:${pod.metadata.namespace}/${c}`)
      : undefined,
  );
  controller.watch(informers.get(refs.volumeSnapshots), (vs) =>
    pvcs
      .list(vs.metadata.namespace)
      .filter((pvc) => sourceOf(pvc)?.kind === 'VolumeSnapshot' && sourceOf(pvc)?.name === vs.metadata.name)
      .map((pvc) => `pvc:${objectKey(pvc)}`),
  );
  controller.resync(() => [
    ...pvcs.list().map((p) => `pvc:${objectKey(p)}`),
    ...pvs.list().map((p) => `pv:${p.metadata.name}`),
  ]);

  function claimsOf(pod: KubeObject): string[] {
    const volumes =
      (pod.spec as { volumes?: { persistentVolumeClaim?: { claimName: string } }[] }).volumes ?? [];
    return volumes.map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => Boolean(c));
  }

  function sourceOf(pvc: KubeObject): { kind: string; name: string; apiGroup?: string } | undefined {
    const spec = claimSpec(pvc);
    return spec.dataSourceRef ?? spec.dataSource;
  }

  async function reconcile(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    if (key.startsWith('pv:')) return reconcileVolume(key.slice(3));
    return reconcileClaim(key.slice(4));
  }

  function classOf(name: string | undefined): KubeObject | undefined {
    const classes = api.list(refs.storageClasses).items;
    if (name === undefined)
      return classes.find((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
    return classes.find((c) => c.metadata.name === name);
  }

  function setFinalizers(ref: typeof refs.pvcs, obj: KubeObject, finalizers: string[]): void {
    api.patch(ref, obj.metadata.namespace, obj.metadata.name!, 'merge', {
      metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: orNull(finalizers) },
    });
  }

  function writeClaimStatus(pvc: KubeObject, status: Record<string, unknown>): void {
    ignoreNotFound(() =>
      api.patch(
        refs.pvcs,
        pvc.metadata.namespace,
        pvc.metadata.name!,
        'merge',
        { status },
        { subresource: 'status' },
      ),
    );
  }

  function writeVolumePhase(pv: KubeObject, phase: string): void {
    if (phaseOf(pv) === phase) return;
    ignoreNotFound(() =>
      api.patch(
        refs.pvs,
        undefined,
        pv.metadata.name!,
        'merge',
        { status: { phase, lastPhaseTransitionTime: metaTime(ctx.clock.now()) } },
        { subresource: 'status' },
      ),
    );
  }

  async function reconcileClaim(key: string): Promise<{ requeueAfterMs: number } | undefined> {
    const { namespace, name } = splitKey(key);
    const found = ignoreNotFound(() => api.get(refs.pvcs, namespace, name));
    if (!found || !protect(found)) return undefined;
    const pvc = withDefaultClass(found);
    const volumeName = claimSpec(pvc).volumeName;
    if (volumeName) {
      bindNamedVolume(pvc, volumeName);
      return undefined;
    }
    const match = findVolume(pvc);
    if (match) {
      bind(pvc, match, true);
      return undefined;
    }
    return provisionOrWait(pvc);
  }

  /**
   * The pvc-protection finalizer (the admission plugin's, added here): kept while a running pod uses the
   * claim. False when the claim needs nothing more now (being deleted, or just given the finalizer).
   */
  function protect(pvc: KubeObject): boolean {
    const finalizers = pvc.metadata.finalizers ?? [];
    const namespace = pvc.metadata.namespace;
    if (pvc.metadata.deletionTimestamp) {
      if (!finalizers.includes(PVC_PROTECTION_FINALIZER)) return false;
      const inUse = api
        .list(refs.pods, { namespace })
        .items.some((p) => isPodActive(p) && claimsOf(p).includes(pvc.metadata.name!));
      if (!inUse)
        setFinalizers(
          refs.pvcs,
          pvc,
          finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER),
        );
      return false;
    }
    if (finalizers.includes(PVC_PROTECTION_FINALIZER)) return true;
    setFinalizers(refs.pvcs, pvc, [...finalizers, PVC_PROTECTION_FINALIZER]);
    return false;
  }

  /** Retroactive default StorageClass assignment (GA in 1.28), as the real PV controller does. */
  function withDefaultClass(pvc: KubeObject): KubeObject {
    const spec = claimSpec(pvc);
    if (spec.storageClassName !== undefined || spec.volumeName) return pvc;
    const fallback = classOf(undefined);
    if (!fallback) return pvc;
    try {
      return api.patch(refs.pvcs, pvc.metadata.namespace, pvc.metadata.name!, 'merge', {
        spec: { storageClassName: fallback.metadata.name },
      }).object;
    } catch (err) {
      ctx.logger.debug({ pvc: objectKey(pvc), err: errorMessage(err) }, 'default class not assignable');
      return pvc;
    }
  }

  /** A claim that names its volume binds to it if the volume is free or reserved for it. */
  function bindNamedVolume(pvc: KubeObject, volumeName: string): void {
    const pv = ignoreNotFound(() => api.get(refs.pvs, undefined, volumeName));
    if (!pv) {
      const wasBound = phaseOf(pvc) === 'Bound' || phaseOf(pvc) === 'Lost';
      writeClaimStatus(pvc, { phase: wasBound ? 'Lost' : 'Pending' });
      return;
    }
    const ref = volumeSpec(pv).claimRef;
    if (!ref?.name || reservedFor(ref, pvc)) bind(pvc, expand(pvc, pv), false);
    else writeClaimStatus(pvc, { phase: 'Pending' });
  }

  function findVolume(pvc: KubeObject): KubeObject | undefined {
    const spec = claimSpec(pvc);
    const selected = pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    const selectedNode = selected ? nodes.get(undefined, selected) : undefined;
    const request = parseQuantity(spec.resources?.requests?.storage ?? '0');
    const candidates = pvs.list().filter((pv) => {
      if (pv.metadata.deletionTimestamp) return false;
      const ref = volumeSpec(pv).claimRef;
      if (ref?.name) return reservedFor(ref, pvc);
      if (phaseOf(pv) !== undefined && phaseOf(pv) !== 'Available') return false;
      return satisfies(pv, spec, request, selectedNode);
    });
    const preBound = candidates.find((pv) => volumeSpec(pv).claimRef?.name);
    if (preBound) return preBound;
    return candidates.sort(
      (a, b) =>
        parseQuantity(volumeSpec(a).capacity?.storage) - parseQuantity(volumeSpec(b).capacity?.storage),
    )[0];
  }

  /**
   * Online expansion, as the CSI resizer does for a class with allowVolumeExpansion: a bound claim asking for
   * more than its volume has grows the volume (a directory has no size to change, only the recorded capacity).
   */
  function expand(pvc: KubeObject, pv: KubeObject): KubeObject {
    const requested = claimSpec(pvc).resources?.requests?.storage;
    const current = volumeSpec(pv).capacity?.storage;
    if (!requested || parseQuantity(requested) <= parseQuantity(current ?? '0')) return pv;
    if (volumeSpec(pv).csi?.driver !== HOSTPATH_DRIVER) return pv;
    const sc = classOf(claimSpec(pvc).storageClassName);
    if (sc?.allowVolumeExpansion !== true) return pv;
    const grown = api.patch(refs.pvs, undefined, pv.metadata.name!, 'merge', {
      spec: { capacity: { storage: requested } },
    }).object;
    ctx.events.record(
      pvc,
      'Normal',
      'VolumeResizeSuccessful',
      `ExpandVolume succeeded for volume ${objectKey(pvc)}`,
      PROVISIONER_COMPONENT,
    );
    return grown;
  }

  /** Binds both ways; `byController` when the controller chose the volume (not the user through volumeName). */
  function bind(pvc: KubeObject, pv: KubeObject, byController: boolean): void {
    const namespace = pvc.metadata.namespace!;
    const name = pvc.metadata.name!;
    const ref = volumeSpec(pv).claimRef;
    if (!ref?.uid || ref.uid !== pvc.metadata.uid || ref.name !== name) {
      pv = api.patch(refs.pvs, undefined, pv.metadata.name!, 'merge', {
        metadata: { resourceVersion: pv.metadata.resourceVersion },
        spec: {
          claimRef: {
            kind: 'PersistentVolumeClaim',
            namespace,
            name,
            uid: pvc.metadata.uid,
            apiVersion: 'v1',
            resourceVersion: pvc.metadata.resourceVersion,
          },
        },
      }).object;
    }
    writeVolumePhase(pv, 'Bound');
    const annotations: Record<string, string> = { [BIND_COMPLETED_ANNOTATION]: 'yes' };
    if (byController) annotations[BOUND_BY_CONTROLLER_ANNOTATION] = 'yes';
    const needsSpec = claimSpec(pvc).volumeName !== pv.metadata.name;
    const needsAnnotations = Object.entries(annotations).some(
      ([k, v]) => pvc.metadata.annotations?.[k] !== v,
    );
    if (needsSpec || needsAnnotations) {
      pvc = api.patch(refs.pvcs, namespace, name, 'merge', {
        metadata: { resourceVersion: pvc.metadata.resourceVersion, annotations },
        ...(needsSpec ? { spec: { volumeName: pv.metadata.name } } : {}),
      }).object;
    }
    const v = volumeSpec(pv);
    writeClaimStatus(pvc, { phase: 'Bound', accessModes: v.accessModes, capacity: v.capacity });
  }

  function provisionOrWait(pvc: KubeObject): { requeueAfterMs: number } | undefined {
    const spec = claimSpec(pvc);
    const uid = pvc.metadata.uid!;
    if (phaseOf(pvc) !== 'Pending') writeClaimStatus(pvc, { phase: 'Pending' });
    if (spec.storageClassName === '') return undefined;
    const sc = classOf(spec.storageClassName);
    if (!sc) {
      recordOnce(
        pvc,
        'Warning',
        'ProvisioningFailed',
        `storageclass.storage.k8s.io "${spec.storageClassName}" not found`,
        COMPONENT,
      );
      return undefined;
    }
    if (sc.provisioner === HOSTPATH_DRIVER && spec.selector) {
      // As the external provisioner: a claim with a selector waits for a matching volume (a data mover's).
      recordOnce(
        pvc,
        'Warning',
        'ProvisioningFailed',
        'failed to provision volume: claim Selector is not supported',
        PROVISIONER_COMPONENT,
      );
      return undefined;
    }
    if (sc.provisioner !== HOSTPATH_DRIVER) {
      recordOnce(
        pvc,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
        COMPONENT,
      );
      return undefined;
    }
    let node = pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    if (!node) {
      if (sc.volumeBindingMode === 'WaitForFirstConsumer') {
        recordOnce(
          pvc,
          'Normal',
          'WaitForFirstConsumer',
          'waiting for first consumer to be created before binding',
          COMPONENT,
        );
        return undefined;
      }
      node = pickNode();
      if (!node) return { requeueAfterMs: 500 };
    }
    if (provisioning.has(uid)) return undefined;
    if (!pvc.metadata.annotations?.[STORAGE_PROVISIONER_ANNOTATION]) {
      api.patch(refs.pvcs, pvc.metadata.namespace, pvc.metadata.name!, 'merge', {
        metadata: {
          annotations: {
            [STORAGE_PROVISIONER_ANNOTATION]: HOSTPATH_DRIVER,
            [BETA_STORAGE_PROVISIONER_ANNOTATION]: HOSTPATH_DRIVER,
          },
        },
      });
    }
    const source = sourceDir(pvc);
    if (source === 'wait') return { requeueAfterMs: 500 };
    const chosen = node;
    const job = provision(pvc, sc, chosen, source)
      .catch((err) => {
        ctx.logger.warn({ pvc: objectKey(pvc), err: errorMessage(err) }, 'provisioning failed');
        recordOnce(
          pvc,
          'Warning',
          'ProvisioningFailed',
          `failed to provision volume with StorageClass "${sc.metadata.name}": ${errorMessage(err)}`,
          PROVISIONER_COMPONENT,
        );
      })
      .finally(() => {
        provisioning.delete(uid);
        controller.queue.addAfter(`pvc:${objectKey(pvc)}`, 50);
      });
    provisioning.set(uid, job);
    return undefined;
  }

  function recordOnce(
    pvc: KubeObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
  ): void {
    const id = `${pvc.metadata.uid}`;
    if (failures.get(id) === `${reason}:${message}`) return;
    failures.set(id, `${reason}:${message}`);
    ctx.events.record(pvc, type, reason, message, component);
  }

  function pickNode(): string | undefined {
    const counts = new Map<string, number>();
    for (const pv of pvs.list()) {
      const n = volumeSpec(pv).nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.find(
        (e) => e.key === HOSTPATH_TOPOLOGY_KEY,
      )?.values?.[0];
      if (n) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    const names = nodes
      .list()
      .map((n) => n.metadata.name!)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return names.sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0))[0];
  }

  /** The directory to pre-fill a new volume from; 'wait' while the source is not ready; undefined for an empty volume. */
  function sourceDir(pvc: KubeObject): string | 'wait' | undefined {
    const source = sourceOf(pvc);
    if (!source) return undefined;
    const namespace = pvc.metadata.namespace;
    if (source.kind === 'VolumeSnapshot') {
      const vs = ignoreNotFound(() => api.get(refs.volumeSnapshots, namespace, source.name));
      const status = (vs?.status ?? {}) as { readyToUse?: boolean; boundVolumeSnapshotContentName?: string };
      if (!vs || !status.readyToUse || !status.boundVolumeSnapshotContentName) {
        recordOnce(
          pvc,
          'Normal',
          'Provisioning',
          `waiting for VolumeSnapshot ${namespace}/${source.name} to be ready to use`,
          PROVISIONER_COMPONENT,
        );
        return 'wait';
      }
      const content = ignoreNotFound(() =>
        api.get(refs.volumeSnapshotContents, undefined, status.boundVolumeSnapshotContentName!),
      );
      const handle = (content?.status as { snapshotHandle?: string } | undefined)?.snapshotHandle;
      if (!handle) return 'wait';
      return csiSnapshotDir(ctx.dataDir, handle);
    }
    if (source.kind === 'PersistentVolumeClaim') {
      const src = ignoreNotFound(() => api.get(refs.pvcs, namespace, source.name));
      const volume = src ? claimSpec(src).volumeName : undefined;
      const pv = volume ? ignoreNotFound(() => api.get(refs.pvs, undefined, volume)) : undefined;
      const handle = pv ? volumeSpec(pv).csi?.volumeHandle : undefined;
      if (!handle) return 'wait';
      return csiVolumeDir(ctx.dataDir, handle);
    }
    return undefined;
  }

  async function provision(
    pvc: KubeObject,
    sc: KubeObject,
    node: string,
    source: string | undefined,
  ): Promise<void> {
    const handle = randomUUID();
    const dir = csiVolumeDir(ctx.dataDir, handle);
    ctx.events.record(
      pvc,
      'Normal',
      'Provisioning',
      `External provisioner is provisioning volume for claim "${objectKey(pvc)}"`,
      PROVISIONER_COMPONENT,
    );
    await copies.run(async () => {
      if (source) await copyTree(source, dir);
      else await mkdir(dir, { recursive: true });
    });
    const spec = claimSpec(pvc);
    const pvName = `pvc-${pvc.metadata.uid}`;
    try {
      api.create(refs.pvs, undefined, {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: {
          name: pvName,
          annotations: {
            [PROVISIONED_BY_ANNOTATION]: HOSTPATH_DRIVER,
            'volume.kubernetes.io/provisioner-deletion-secret-name': '',
            'volume.kubernetes.io/provisioner-deletion-secret-namespace': '',
          },
          finalizers: [PROVISIONER_FINALIZER, PV_PROTECTION_FINALIZER],
        },
        spec: {
          accessModes: spec.accessModes ?? ['ReadWriteOnce'],
          capacity: { storage: spec.resources?.requests?.storage ?? '1Gi' },
          claimRef: {
            kind: 'PersistentVolumeClaim',
            namespace: pvc.metadata.namespace,
            name: pvc.metadata.name,
            uid: pvc.metadata.uid,
            apiVersion: 'v1',
            resourceVersion: pvc.metadata.resourceVersion,
          },
          csi: {
            driver: HOSTPATH_DRIVER,
            volumeHandle: handle,
            volumeAttributes: {
              'storage.kubernetes.io/csiProvisionerIdentity': `kubesim-${HOSTPATH_DRIVER}`,
            },
          },
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: HOSTPATH_TOPOLOGY_KEY, operator: 'In', values: [node] }] },
              ],
            },
          },
          persistentVolumeReclaimPolicy: (sc.reclaimPolicy as string | undefined) ?? 'Delete',
          storageClassName: sc.metadata.name,
          volumeMode: spec.volumeMode ?? 'Filesystem',
          ...(sc.mountOptions ? { mountOptions: sc.mountOptions } : {}),
        },
      });
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    ctx.events.record(
      pvc,
      'Normal',
      'ProvisioningSucceeded',
      `Successfully provisioned volume ${pvName}`,
      PROVISIONER_COMPONENT,
    );
  }

  async function reconcileVolume(name: string): Promise<undefined> {
    const pv = ignoreNotFound(() => api.get(refs.pvs, undefined, name));
    if (!pv) return undefined;
    const ref = volumeSpec(pv).claimRef;
    const claim = ref?.name ? ignoreNotFound(() => api.get(refs.pvcs, ref.namespace, ref.name!)) : undefined;
    const claimAlive = claim !== undefined && (!ref?.uid || ref.uid === claim.metadata.uid);
    if (pv.metadata.deletionTimestamp) {
      if (!(claimAlive && phaseOf(pv) === 'Bound')) await finishDeletion(pv);
      return undefined;
    }
    const finalizers = pv.metadata.finalizers ?? [];
    if (!finalizers.includes(PV_PROTECTION_FINALIZER)) {
      setFinalizers(refs.pvs, pv, [...finalizers, PV_PROTECTION_FINALIZER]);
      return undefined;
    }
    if (!ref?.name || !ref.uid) {
      // Free, or reserved for a claim that has not bound it yet (a restore creates the PV first).
      writeVolumePhase(pv, 'Available');
      return undefined;
    }
    if (claimAlive) {
      if (claimSpec(claim).volumeName === name) writeVolumePhase(pv, 'Bound');
      return undefined;
    }
    reclaim(pv);
    return undefined;
  }

  /** A volume being deleted and no longer bound: its data goes (provisioned, reclaim Delete), then its finalizers. */
  async function finishDeletion(pv: KubeObject): Promise<void> {
    const spec = volumeSpec(pv);
    const finalizers = pv.metadata.finalizers ?? [];
    const ours = finalizers.includes(PROVISIONER_FINALIZER) && spec.csi?.driver === HOSTPATH_DRIVER;
    if (ours && spec.persistentVolumeReclaimPolicy === 'Delete') {
      await rm(csiVolumeDir(ctx.dataDir, spec.csi!.volumeHandle), { recursive: true, force: true });
    }
    const rest = finalizers.filter((f) => f !== PV_PROTECTION_FINALIZER && f !== PROVISIONER_FINALIZER);
    if (rest.length !== finalizers.length) setFinalizers(refs.pvs, pv, rest);
  }

  /** The claim is gone: Released, and deleted when the policy is Delete and the driver is ours (else Failed). */
  function reclaim(pv: KubeObject): void {
    const spec = volumeSpec(pv);
    writeVolumePhase(pv, 'Released');
    if (spec.persistentVolumeReclaimPolicy !== 'Delete') return;
    const ours =
      pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION] === HOSTPATH_DRIVER ||
      spec.csi?.driver === HOSTPATH_DRIVER;
    if (!ours) {
      writeVolumePhase(pv, 'Failed');
      return;
    }
    ignoreNotFound(() =>
      api.delete(refs.pvs, undefined, pv.metadata.name!, { preconditions: { uid: pv.metadata.uid } }),
    );
  }

  return controller;
}
