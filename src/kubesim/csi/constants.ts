/** Names the hostpath CSI driver, its provisioner and the scheduler agree on, as in a real cluster. */
export const HOSTPATH_DRIVER = 'hostpath.csi.k8s.io';
export const DEFAULT_STORAGE_CLASS = 'standard';
export const DEFAULT_SNAPSHOT_CLASS = 'csi-hostpath-snapclass';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const DEFAULT_SNAPSHOT_CLASS_ANNOTATION = 'snapshot.storage.kubernetes.io/is-default-class';
/** Set by the scheduler on a WaitForFirstConsumer claim: the node its first pod goes to. */
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller';
export const STORAGE_PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
export const BETA_STORAGE_PROVISIONER_ANNOTATION = 'volume.beta.kubernetes.io/storage-provisioner';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
export const VS_BOUND_FINALIZER = 'snapshot.storage.kubernetes.io/volumesnapshot-bound-protection';
export const VSC_BOUND_FINALIZER = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';
