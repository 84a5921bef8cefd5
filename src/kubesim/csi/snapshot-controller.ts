import { randomUUID } from 'node:crypto';
import { access, rm } from 'node:fs/promises';
import { errorMessage } from '../../core/errors.ts';
import { ignoreNotFound, isAlreadyExists } from '../cluster/runtime/api-errors.ts';
import type { ClusterContext } from '../cluster/runtime/context.ts';
import { Controller } from '../cluster/runtime/controller.ts';
import { objectKey, splitKey } from '../cluster/runtime/informer.ts';
import { metaTime, orNull } from '../cluster/runtime/objects.ts';
import { formatBytes, parseQuantity } from '../cluster/runtime/quantity.ts';
import type { KubeObject } from '../registry/types.ts';
import {
  DEFAULT_SNAPSHOT_CLASS_ANNOTATION,
  HOSTPATH_DRIVER,
  VS_BOUND_FINALIZER,
  VSC_BOUND_FINALIZER,
} from './constants.ts';
import { copyTree, type Limiter, treeSize } from './copy-tree.ts';
import { csiSnapshotDir, csiVolumeDir } from './paths.ts';

const COMPONENT = 'snapshot-controller';
/**
 * A VolumeSnapshotClass parameter (read by kubesim's hostpath driver only): after a snapshot is cut (its
 * copy taken, `creationTime` reported) it becomes readyToUse only this many milliseconds later, as a cloud
 * provider's snapshot takes seconds to minutes to be usable. Benchmarks and tests use it to show that
 * snapshots are taken concurrently; the delay is not bounded by the copy concurrency.
 */
export const SNAPSHOT_LATENCY_PARAMETER = 'kubesim.lifeboat.io/snapshot-latency-ms';
const SIDECAR = 'csi-snapshotter hostpath.csi.k8s.io';

type SnapshotSpec = {
  source?: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string };
  volumeSnapshotClassName?: string;
};
type ContentSpec = {
  volumeSnapshotRef?: {
    kind?: string;
    namespace?: string;
    name?: string;
    uid?: string;
    apiVersion?: string;
    resourceVersion?: string;
  };
  source?: { volumeHandle?: string; snapshotHandle?: string };
  driver?: string;
  deletionPolicy?: 'Delete' | 'Retain';
  volumeSnapshotClassName?: string;
  sourceVolumeMode?: string;
};
type ContentStatus = {
  snapshotHandle?: string;
  creationTime?: number;
  restoreSize?: number;
  readyToUse?: boolean;
  error?: { message?: string; time?: string };
};

const contentName = (vs: KubeObject): string =>
  (vs.spec as SnapshotSpec).source?.volumeSnapshotContentName ?? `snapcontent-${vs.metadata.uid}`;

/**
 * The snapshot controller and the hostpath driver's snapshotter sidecar in one. A VolumeSnapshot of a claim
 * gets the default class for its driver when it names none, then a VolumeSnapshotContent `snapcontent-<uid>`;
 * the content's snapshot is a copy of the volume directory into `<dataDir>/csi/snapshots/<handle>/` (modes,
 * symlinks, timestamps and sparse files kept; copies run concurrently, bounded, never blocking the queue),
 * after which both report readyToUse with creationTime and restoreSize. Pre-provisioned contents
 * (`source.snapshotHandle`) bind to the snapshot that names them. Deletion follows the deletionPolicy, with
 * the bound-protection finalizers real clusters put on both objects.
 */
export function startSnapshotController(ctx: ClusterContext, copies: Limiter): Controller {
  const { api, refs, informers } = ctx;
  const snapshots = informers.get(refs.volumeSnapshots);
  const contents = informers.get(refs.volumeSnapshotContents);
  const copying = new Set<string>();
  const controller = new Controller(ctx, 'snapshot', (key) => reconcile(key));
  controller.watch(snapshots, (vs) => [`vs:${objectKey(vs)}`, `vsc:${contentName(vs)}`]);
  controller.watch(contents, (vsc) => {
    const ref = (vsc.spec as ContentSpec).volumeSnapshotRef;
    return ref?.namespace && ref.name
      ? [`vsc:${vsc.metadata.name}`, `vs:${ref.namespace}/${ref.name}`]
      : `vsc:${vsc.metadata.name}`;
  });
  controller.watch(informers.get(refs.pvcs), (pvc) =>
    snapshots
      .list(pvc.metadata.namespace)
      .filter((vs) => (vs.spec as SnapshotSpec).source?.persistentVolumeClaimName === pvc.metadata.name)
      .map((vs) => `vs:${objectKey(vs)}`),
  );
  controller.resync(() => [
    ...snapshots.list().map((s) => `vs:${objectKey(s)}`),
    ...contents.list().map((c) => `vsc:${c.metadata.name}`),
  ]);

  function reconcile(key: string): Promise<undefined> | undefined {
    if (key.startsWith('vs:')) return reconcileSnapshot(key.slice(3));
    return reconcileContent(key.slice(4));
  }

  function setFinalizers(ref: typeof refs.volumeSnapshots, obj: KubeObject, finalizers: string[]): void {
    api.patch(ref, obj.metadata.namespace, obj.metadata.name!, 'merge', {
      metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: orNull(finalizers) },
    });
  }

  function snapshotStatus(vs: KubeObject, status: Record<string, unknown>): void {
    ignoreNotFound(() =>
      api.patch(
        refs.volumeSnapshots,
        vs.metadata.namespace,
        vs.metadata.name!,
        'merge',
        { status },
        { subresource: 'status' },
      ),
    );
  }

  function defaultClass(driver: string): string | undefined {
    const classes = api.list(refs.volumeSnapshotClasses).items.filter((c) => c.driver === driver);
    return classes.find((c) => c.metadata.annotations?.[DEFAULT_SNAPSHOT_CLASS_ANNOTATION] === 'true')
      ?.metadata.name;
  }

  function reconcileSnapshot(key: string): undefined {
    const { namespace, name } = splitKey(key);
    const vs = ignoreNotFound(() => api.get(refs.volumeSnapshots, namespace, name));
    if (!vs) return undefined;
    const spec = vs.spec as SnapshotSpec;
    const boundName =
      (vs.status as { boundVolumeSnapshotContentName?: string } | undefined)
        ?.boundVolumeSnapshotContentName ?? contentName(vs);
    const content = ignoreNotFound(() => api.get(refs.volumeSnapshotContents, undefined, boundName));
    const boundToMe =
      content !== undefined && (content.spec as ContentSpec).volumeSnapshotRef?.uid === vs.metadata.uid;
    if (vs.metadata.deletionTimestamp) return releaseSnapshot(vs, boundToMe ? content : undefined);
    if (spec.source?.volumeSnapshotContentName) return bindPreProvisioned(vs, content);
    if (!spec.source?.persistentVolumeClaimName) return undefined;
    if (!content) return createContent(vs, boundName);
    if (!boundToMe) return undefined;
    const finalizers = vs.metadata.finalizers ?? [];
    if (!finalizers.includes(VS_BOUND_FINALIZER)) {
      setFinalizers(refs.volumeSnapshots, vs, [...finalizers, VS_BOUND_FINALIZER]);
      return undefined;
    }
    reflect(vs, content);
    return undefined;
  }

  /** A snapshot being deleted: its content goes too (deletionPolicy Delete) or is let go (Retain). */
  function releaseSnapshot(vs: KubeObject, content: KubeObject | undefined): undefined {
    if (content) {
      if ((content.spec as ContentSpec).deletionPolicy === 'Delete') {
        if (!content.metadata.deletionTimestamp) {
          ignoreNotFound(() => api.delete(refs.volumeSnapshotContents, undefined, content.metadata.name!));
        }
        // The snapshot's finalizer goes once the content (and its data) are gone.
        return undefined;
      }
      const cf = content.metadata.finalizers ?? [];
      if (cf.includes(VSC_BOUND_FINALIZER)) {
        setFinalizers(
          refs.volumeSnapshotContents,
          content,
          cf.filter((f) => f !== VSC_BOUND_FINALIZER),
        );
      }
    }
    const finalizers = vs.metadata.finalizers ?? [];
    if (finalizers.includes(VS_BOUND_FINALIZER)) {
      setFinalizers(
        refs.volumeSnapshots,
        vs,
        finalizers.filter((f) => f !== VS_BOUND_FINALIZER),
      );
    }
    return undefined;
  }

  function snapshotError(vs: KubeObject, message: string): undefined {
    snapshotStatus(vs, { readyToUse: false, error: { message, time: metaTime(ctx.clock.now()) } });
    return undefined;
  }

  /** A dynamic snapshot of a bound claim: its class settled first, then its content created. */
  function createContent(vs: KubeObject, contentName: string): undefined {
    const namespace = vs.metadata.namespace!;
    const spec = vs.spec as SnapshotSpec;
    const claimName = spec.source!.persistentVolumeClaimName!;
    const pvc = ignoreNotFound(() => api.get(refs.pvcs, namespace, claimName));
    if (!pvc)
      return snapshotError(
        vs,
        `Failed to get snapshot source: persistentvolumeclaim "${claimName}" not found`,
      );
    const volumeName = (pvc.spec as { volumeName?: string }).volumeName;
    const bound = (pvc.status as { phase?: string } | undefined)?.phase === 'Bound';
    const pv =
      volumeName && bound ? ignoreNotFound(() => api.get(refs.pvs, undefined, volumeName)) : undefined;
    const csi = (pv?.spec as { csi?: { driver: string; volumeHandle: string } } | undefined)?.csi;
    if (!pv || !csi) {
      return snapshotError(
        vs,
        `the PVC ${claimName} is not yet bound to a PV, will not attempt to take a snapshot`,
      );
    }
    const className = spec.volumeSnapshotClassName ?? defaultClass(csi.driver);
    if (!className) return snapshotError(vs, `cannot find default snapshot class for driver ${csi.driver}`);
    if (!spec.volumeSnapshotClassName) {
      // As the snapshot controller does: the default class is written into the snapshot first.
      api.patch(refs.volumeSnapshots, namespace, vs.metadata.name!, 'merge', {
        spec: { volumeSnapshotClassName: className },
      });
      return undefined;
    }
    const cls = ignoreNotFound(() => api.get(refs.volumeSnapshotClasses, undefined, className));
    if (!cls) return snapshotError(vs, `volumesnapshotclass "${className}" not found`);
    try {
      api.create(refs.volumeSnapshotContents, undefined, {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotContent',
        metadata: { name: contentName },
        spec: {
          volumeSnapshotRef: {
            kind: 'VolumeSnapshot',
            namespace,
            name: vs.metadata.name,
            uid: vs.metadata.uid,
            apiVersion: 'snapshot.storage.k8s.io/v1',
            resourceVersion: vs.metadata.resourceVersion,
          },
          source: { volumeHandle: csi.volumeHandle },
          driver: csi.driver,
          deletionPolicy: (cls.deletionPolicy as string | undefined) ?? 'Delete',
          volumeSnapshotClassName: className,
          sourceVolumeMode: (pv.spec as { volumeMode?: string }).volumeMode ?? 'Filesystem',
        },
      });
      const message = `Waiting for a snapshot ${namespace}/${vs.metadata.name} to be created by the CSI driver.`;
      ctx.events.record(vs, 'Normal', 'CreatingSnapshot', message, COMPONENT);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    snapshotStatus(vs, { boundVolumeSnapshotContentName: contentName, readyToUse: false });
    return undefined;
  }

  function bindPreProvisioned(vs: KubeObject, content: KubeObject | undefined): undefined {
    const name = contentName(vs);
    if (!content) {
      snapshotStatus(vs, {
        readyToUse: false,
        error: { message: `VolumeSnapshotContent ${name} is missing`, time: metaTime(ctx.clock.now()) },
      });
      return undefined;
    }
    const ref = (content.spec as ContentSpec).volumeSnapshotRef;
    if (
      !ref ||
      ref.namespace !== vs.metadata.namespace ||
      ref.name !== vs.metadata.name ||
      (ref.uid && ref.uid !== vs.metadata.uid)
    ) {
      snapshotStatus(vs, {
        readyToUse: false,
        error: {
          message: `VolumeSnapshotContent ${name} is bound to a different VolumeSnapshot`,
          time: metaTime(ctx.clock.now()),
        },
      });
      return undefined;
    }
    if (!ref.uid) {
      api.patch(refs.volumeSnapshotContents, undefined, name, 'merge', {
        metadata: { resourceVersion: content.metadata.resourceVersion },
        spec: {
          volumeSnapshotRef: { ...ref, uid: vs.metadata.uid, resourceVersion: vs.metadata.resourceVersion },
        },
      });
      return undefined;
    }
    const finalizers = vs.metadata.finalizers ?? [];
    if (!finalizers.includes(VS_BOUND_FINALIZER)) {
      setFinalizers(refs.volumeSnapshots, vs, [...finalizers, VS_BOUND_FINALIZER]);
      return undefined;
    }
    reflect(vs, content);
    return undefined;
  }

  /** Copies the content's state into the snapshot's status. */
  function reflect(vs: KubeObject, content: KubeObject): void {
    const cs = (content.status ?? {}) as ContentStatus;
    const status: Record<string, unknown> = {
      boundVolumeSnapshotContentName: content.metadata.name,
      readyToUse: cs.readyToUse ?? false,
    };
    if (cs.creationTime !== undefined)
      status.creationTime = metaTime(new Date(Math.floor(cs.creationTime / 1e6)));
    if (cs.restoreSize !== undefined) status.restoreSize = formatBytes(cs.restoreSize);
    status.error = cs.error ?? null;
    snapshotStatus(vs, status);
    if (cs.readyToUse && !(vs.status as { readyToUse?: boolean } | undefined)?.readyToUse) {
      ctx.events.record(
        vs,
        'Normal',
        'SnapshotReady',
        `Snapshot ${vs.metadata.namespace}/${vs.metadata.name} is ready to use.`,
        COMPONENT,
      );
    }
  }

  function contentStatus(name: string, status: ContentStatus): void {
    ignoreNotFound(() =>
      api.patch(refs.volumeSnapshotContents, undefined, name, 'merge', { status }, { subresource: 'status' }),
    );
  }

  async function reconcileContent(name: string): Promise<undefined> {
    const content = ignoreNotFound(() => api.get(refs.volumeSnapshotContents, undefined, name));
    if (!content) return undefined;
    const spec = content.spec as ContentSpec;
    const status = (content.status ?? {}) as ContentStatus;
    const finalizers = content.metadata.finalizers ?? [];
    if (spec.driver !== HOSTPATH_DRIVER) return undefined;
    if (content.metadata.deletionTimestamp) {
      if (copying.has(name)) return undefined;
      const ref = spec.volumeSnapshotRef;
      const vs = ref?.name
        ? ignoreNotFound(() => api.get(refs.volumeSnapshots, ref.namespace, ref.name!))
        : undefined;
      if (vs && vs.metadata.uid === ref?.uid && !vs.metadata.deletionTimestamp) return undefined;
      if (spec.deletionPolicy === 'Delete' && status.snapshotHandle) {
        await rm(csiSnapshotDir(ctx.dataDir, status.snapshotHandle), { recursive: true, force: true });
      }
      if (finalizers.includes(VSC_BOUND_FINALIZER))
        setFinalizers(
          refs.volumeSnapshotContents,
          content,
          finalizers.filter((f) => f !== VSC_BOUND_FINALIZER),
        );
      return undefined;
    }
    if (!finalizers.includes(VSC_BOUND_FINALIZER)) {
      setFinalizers(refs.volumeSnapshotContents, content, [...finalizers, VSC_BOUND_FINALIZER]);
      return undefined;
    }
    if (spec.source?.snapshotHandle) {
      if (status.readyToUse) return undefined;
      const dir = csiSnapshotDir(ctx.dataDir, spec.source.snapshotHandle);
      const exists = await access(dir).then(
        () => true,
        () => false,
      );
      contentStatus(
        name,
        exists
          ? {
              snapshotHandle: spec.source.snapshotHandle,
              readyToUse: true,
              restoreSize: await treeSize(dir),
              creationTime: ctx.clock.now().getTime() * 1e6,
            }
          : {
              snapshotHandle: spec.source.snapshotHandle,
              readyToUse: false,
              error: {
                message: `snapshot ${spec.source.snapshotHandle} does not exist`,
                time: metaTime(ctx.clock.now()),
              },
            },
      );
      return undefined;
    }
    const volumeHandle = spec.source?.volumeHandle;
    if (!volumeHandle || status.readyToUse || copying.has(name)) return undefined;
    const snapshotHandle = status.snapshotHandle ?? randomUUID();
    // As a CSI driver reports it: creationTime once the snapshot is cut (the copy taken), readyToUse once
    // the provider has finished with it (the simulated latency later).
    contentStatus(name, { snapshotHandle, readyToUse: false });
    copying.add(name);
    const latencyMs = snapshotLatencyMs(spec.volumeSnapshotClassName);
    let creationTime = status.creationTime;
    void copies
      .run(async () => {
        const dst = csiSnapshotDir(ctx.dataDir, snapshotHandle);
        creationTime ??= ctx.clock.now().getTime() * 1e6;
        await rm(dst, { recursive: true, force: true });
        await copyTree(csiVolumeDir(ctx.dataDir, volumeHandle), dst);
      })
      .then(async () => {
        if (latencyMs > 0) {
          contentStatus(name, { snapshotHandle, creationTime, readyToUse: false });
          requeue(name, spec);
          await ctx.clock.sleep(latencyMs);
        }
      })
      .then(
        () => {
          contentStatus(name, {
            snapshotHandle,
            creationTime,
            readyToUse: true,
            restoreSize: restoreSizeOf(volumeHandle),
          });
        },
        (err) => {
          ctx.logger.warn({ content: name, err: errorMessage(err) }, 'snapshot copy failed');
          contentStatus(name, {
            snapshotHandle,
            ...(creationTime !== undefined ? { creationTime } : {}),
            readyToUse: false,
            error: {
              message: `failed to take snapshot: ${errorMessage(err)}`,
              time: metaTime(ctx.clock.now()),
            },
          });
        },
      )
      .finally(() => {
        copying.delete(name);
        requeue(name, spec);
      });
    ctx.events.record(
      content,
      'Normal',
      'CreatingSnapshot',
      `Creating snapshot of volume ${volumeHandle}`,
      SIDECAR,
    );
    return undefined;
  }

  function requeue(name: string, spec: ContentSpec): void {
    controller.queue.add(`vsc:${name}`);
    const ref = spec.volumeSnapshotRef;
    if (ref?.namespace && ref.name) controller.queue.add(`vs:${ref.namespace}/${ref.name}`);
  }

  function snapshotLatencyMs(className: string | undefined): number {
    if (!className) return 0;
    const cls = ignoreNotFound(() => api.get(refs.volumeSnapshotClasses, undefined, className));
    const raw = (cls?.parameters as Record<string, string> | undefined)?.[SNAPSHOT_LATENCY_PARAMETER];
    const ms = Number(raw ?? 0);
    return Number.isFinite(ms) && ms > 0 ? ms : 0;
  }

  /** The source volume's capacity in bytes (what the hostpath driver reports as a snapshot's restore size). */
  function restoreSizeOf(volumeHandle: string): number {
    const pv = informers
      .get(refs.pvs)
      .list()
      .find((p) => (p.spec as { csi?: { volumeHandle?: string } }).csi?.volumeHandle === volumeHandle);
    return parseQuantity(
      (pv?.spec as { capacity?: { storage?: string } } | undefined)?.capacity?.storage ?? '0',
    );
  }

  return controller;
}
