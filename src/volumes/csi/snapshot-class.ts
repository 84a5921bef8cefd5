import { LABELS } from '../../api/labels.ts';
import type { Backup } from '../../api/resources/backup.ts';
import { LifeboatError } from '../../core/errors.ts';
import type { KubeObject } from '../../kube/types.ts';

/** The CSI driver of a PV, or undefined for a volume that is not CSI. */
export function csiDriverOf(pv: KubeObject): string | undefined {
  return (pv.spec as { csi?: { driver?: string } } | undefined)?.csi?.driver;
}

/**
 * Chooses the VolumeSnapshotClass for a PVC as Velero does, most specific first: the PVC's annotation
 * `lifeboat.io/csi-volumesnapshot-class` (a class name), the backup's annotation
 * `lifeboat.io/csi-volumesnapshot-class_<driver>`, else the one class of the PV's driver labelled
 * `lifeboat.io/csi-volumesnapshot-class: "true"`. Undefined when the PV is not CSI or no class is labelled;
 * throws `Invalid` when a named class is missing or of another driver, or several classes are labelled.
 */
export function chooseSnapshotClass(
  classes: readonly KubeObject[],
  pvc: KubeObject,
  pv: KubeObject,
  backup?: Backup,
): string | undefined {
  const driver = csiDriverOf(pv);
  if (!driver) return undefined;
  const named =
    pvc.metadata?.annotations?.[LABELS.csiVolumeSnapshotClass] ??
    backup?.metadata.annotations?.[`${LABELS.csiVolumeSnapshotClass}_${driver}`];
  if (named) {
    const cls = classes.find((c) => c.metadata?.name === named);
    if (!cls) throw new LifeboatError('Invalid', `VolumeSnapshotClass "${named}" not found`);
    if (cls.driver !== driver)
      throw new LifeboatError(
        'Invalid',
        `VolumeSnapshotClass "${named}" is for driver ${String(cls.driver)}, not the volume's ${driver}`,
      );
    return named;
  }
  const labelled = classes.filter(
    (c) => c.driver === driver && c.metadata?.labels?.[LABELS.csiVolumeSnapshotClass] === 'true',
  );
  if (labelled.length > 1)
    throw new LifeboatError(
      'Invalid',
      `several VolumeSnapshotClasses for driver ${driver} are labelled ${LABELS.csiVolumeSnapshotClass}: ${labelled
        .map((c) => c.metadata?.name)
        .join(', ')}`,
    );
  return labelled[0]?.metadata?.name;
}
