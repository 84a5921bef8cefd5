/**
 * Velero manifests, one per kind, as a Velero user (or Velero itself) would write them: the Backup,
 * Restore, Schedule, BackupStorageLocation and VolumeSnapshotLocation samples of Velero's API-type docs,
 * made self-consistent (the doc samples mix old and new resource filters, give `{}` for lists, set both
 * selectors, or name both a backup and a schedule — Velero itself rejects those), and the other kinds as
 * Velero's controllers create them. They still say `velero.io`; tests port them with `fromVeleroApiVersion`.
 */

export const veleroBackup = `
apiVersion: velero.io/v1
kind: Backup
metadata:
  name: nightly-mysql
  namespace: lifeboat
  labels:
    app.kubernetes.io/part-of: shop
spec:
  csiSnapshotTimeout: 10m
  itemOperationTimeout: 4h
  resourcePolicy:
    kind: configmap
    name: resource-policy-configmap
  includedNamespaces:
  - '*'
  excludedNamespaces:
  - some-namespace
  includedResources:
  - '*'
  excludedResources:
  - storageclasses.storage.k8s.io
  orderedResources:
    pods: mysql/mysql-cluster-replica-0,mysql/mysql-cluster-replica-1,mysql/mysql-cluster-source-0
    persistentvolumes: pvc-87ae0832-18fd-4f40-a2a4-5ed4242680c4,pvc-63be1bb0-90f5-4629-a7db-b8ce61ee29b3
  includeClusterResources: null
  labelSelector:
    matchLabels:
      app: velero
      component: server
  snapshotVolumes: null
  storageLocation: aws-primary
  volumeSnapshotLocations:
    - aws-primary
    - gcp-primary
  ttl: 24h0m0s
  defaultVolumesToFsBackup: true
  snapshotMoveData: true
  datamover: velero
  uploaderConfig:
    parallelFilesUpload: 10
  hooks:
    resources:
      - name: my-hook
        includedNamespaces:
        - '*'
        excludedNamespaces:
        - some-namespace
        includedResources:
        - pods
        excludedResources: []
        labelSelector:
          matchLabels:
            app: velero
            component: server
        pre:
          - exec:
              container: my-container
              command:
                - /bin/uname
                - -a
              onError: Fail
              timeout: 10s
        post:
          - exec:
              container: my-container
              command: [/bin/sh, -c, 'mysql -e "UNLOCK TABLES"']
              onError: Continue
status:
  version: 1
  formatVersion: 1.1.0
  expiration: 2019-04-30T15:58:43Z
  phase: Completed
  validationErrors: null
  startTimestamp: 2019-04-29T15:58:43Z
  completionTimestamp: 2019-04-29T15:58:56Z
  volumeSnapshotsAttempted: 2
  volumeSnapshotsCompleted: 1
  backupItemOperationsAttempted: 2
  backupItemOperationsCompleted: 1
  backupItemOperationsFailed: 0
  progress:
    totalItems: 120
    itemsBackedUp: 120
  hookStatus:
    hooksAttempted: 2
  warnings: 2
  errors: 0
`;

/** Velero's Backup doc sample nearly verbatim: not valid for Velero either. */
export const veleroBackupDocSample = `
apiVersion: velero.io/v1
kind: Backup
metadata:
  name: a
  namespace: velero
spec:
  includedNamespaces:
  - '*'
  excludedNamespaces:
  - some-namespace
  includedResources:
  - '*'
  excludedResources:
  - storageclasses.storage.k8s.io
  includeClusterResources: null
  excludedClusterScopedResources: {}
  includedClusterScopedResources: {}
  excludedNamespaceScopedResources: {}
  includedNamespaceScopedResources: {}
  labelSelector:
    matchLabels:
      app: velero
      component: server
  orLabelSelectors:
  - matchLabels:
      app: velero
  - matchLabels:
      app: data-protection
  ttl: 24h0m0s
status:
  version: 1
  expiration: null
  phase: ""
  validationErrors: null
`;

export const veleroRestore = `
apiVersion: velero.io/v1
kind: Restore
metadata:
  name: a-very-special-backup-0000111122223333
  namespace: lifeboat
spec:
  backupName: a-very-special-backup
  itemOperationTimeout: 4h
  uploaderConfig:
    writeSparseFiles: true
    parallelFilesDownload: 10
  includedNamespaces:
  - '*'
  excludedNamespaces:
  - some-namespace
  includedResources:
  - '*'
  excludedResources:
  - storageclasses.storage.k8s.io
  restoreStatus:
    includedResources:
    - workflows
    excludedResources: []
  includeClusterResources: null
  labelSelector:
    matchLabels:
      app: velero
      component: server
  namespaceMapping:
    namespace-backup-from: namespace-to-restore-to
  restorePVs: true
  preserveNodePorts: true
  existingResourcePolicy: none
  resourceModifier:
    kind: ConfigMap
    name: resource-modifier-configmap
  hooks:
    resources:
    - name: restore-hook-1
      includedNamespaces:
      - ns1
      excludedNamespaces:
      - ns3
      includedResources:
      - pods
      excludedResources: []
      labelSelector:
        matchLabels:
          app: velero
          component: server
      postHooks:
      - init:
          initContainers:
          - name: restore-hook-init1
            image: alpine:latest
            volumeMounts:
            - mountPath: /restores/pvc1-vm
              name: pvc1-vm
            command:
            - /bin/ash
            - -c
            - echo -n "FOOBARBAZ" >> /restores/pvc1-vm/foobarbaz
          - name: restore-hook-init2
            image: alpine:latest
            volumeMounts:
            - mountPath: /restores/pvc2-vm
              name: pvc2-vm
            command:
            - /bin/ash
            - -c
            - echo -n "DEADFEED" >> /restores/pvc2-vm/deadfeed
      - exec:
          container: foo
          command:
          - /bin/bash
          - -c
          - "psql < /backup/backup.sql"
          waitTimeout: 5m
          execTimeout: 1m
          onError: Continue
status:
  phase: PartiallyFailed
  validationErrors: null
  startTimestamp: 2024-05-01T12:00:00Z
  completionTimestamp: 2024-05-01T12:03:10.5Z
  restoreItemOperationsAttempted: 2
  restoreItemOperationsCompleted: 1
  restoreItemOperationsFailed: 0
  warnings: 2
  errors: 1
  failureReason:
`;

export const veleroSchedule = `
apiVersion: velero.io/v1
kind: Schedule
metadata:
  name: daily
  namespace: lifeboat
spec:
  paused: false
  skipImmediately: false
  schedule: 0 7 * * *
  useOwnerReferencesInBackup: false
  template:
    csiSnapshotTimeout: 10m
    itemOperationTimeout: 4h
    resourcePolicy:
      kind: configmap
      name: resource-policy-configmap
    includedNamespaces:
    - '*'
    excludedNamespaces:
    - some-namespace
    includedClusterScopedResources:
    - persistentvolumes
    excludedNamespaceScopedResources:
    - events
    orderedResources:
      pods: mysql/mysql-cluster-replica-0,mysql/mysql-cluster-replica-1
    orLabelSelectors:
      - matchLabels:
          app: velero
      - matchExpressions:
        - key: tier
          operator: In
          values: [data-protection, storage]
    snapshotVolumes: null
    storageLocation: aws-primary
    volumeSnapshotLocations:
      - aws-primary
    ttl: 720h0m0s
    defaultVolumesToFsBackup: true
    snapshotMoveData: true
    datamover: velero
    uploaderConfig:
        parallelFilesUpload: 10
    metadata:
      labels:
        labelname: somelabelvalue
    hooks:
      resources:
        - name: my-hook
          includedNamespaces:
          - '*'
          includedResources:
          - pods
          pre:
            - exec:
                container: my-container
                command:
                  - /bin/uname
                  - -a
                onError: Fail
                timeout: 10s
status:
  phase: Enabled
  lastBackup: 2024-05-01T07:00:03Z
  lastSkipped:
  validationErrors:
`;

export const veleroBackupStorageLocation = `
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata:
  name: default
  namespace: lifeboat
spec:
  backupSyncPeriod: 2m0s
  provider: aws
  default: true
  accessMode: ReadWrite
  objectStorage:
    bucket: myBucket
    prefix: cluster-a
  credential:
    name: secret-name
    key: key-in-secret
  config:
    region: us-west-2
    profile: "default"
    s3ForcePathStyle: "true"
    s3Url: https://minio.example.com
status:
  phase: Available
  lastValidationTime: 2024-05-01T12:00:00Z
  lastSyncedTime: 2024-05-01T12:00:00Z
`;

export const veleroBackupStorageLocationWithCaCert = `
apiVersion: velero.io/v1
kind: BackupStorageLocation
metadata:
  name: minio
  namespace: lifeboat
spec:
  provider: aws
  objectStorage:
    bucket: velero-backups
    caCert: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUR1VENDQXFHZ0F3SUJBZ0lVTWRiWkNaYnBhcE9lYThDR0NMQnhhY3dVa213d0RRWUpLb1pJaHZjTkFRRUwKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
  config:
    region: us-east-1
    s3Url: https://minio.example.com
`;

export const veleroVolumeSnapshotLocation = `
apiVersion: velero.io/v1
kind: VolumeSnapshotLocation
metadata:
  name: aws-default
  namespace: lifeboat
spec:
  provider: aws
  credential:
    name: secret-name
    key: key-in-secret
  config:
    region: us-west-2
    profile: "default"
`;

export const veleroDeleteBackupRequest = `
apiVersion: velero.io/v1
kind: DeleteBackupRequest
metadata:
  generateName: nightly-mysql-
  namespace: lifeboat
  labels:
    velero.io/backup-name: nightly-mysql
    velero.io/backup-uid: 3d1c4c4a-6f0e-4c55-9d3a-1f2b3c4d5e6f
spec:
  backupName: nightly-mysql
status:
  phase: Processed
  errors:
  - "error deleting snapshot snap-0123: not found"
`;

export const veleroDownloadRequest = `
apiVersion: velero.io/v1
kind: DownloadRequest
metadata:
  name: nightly-mysql-20240501120000
  namespace: lifeboat
spec:
  target:
    kind: BackupLog
    name: nightly-mysql
status:
  phase: Processed
  downloadURL: https://minio.example.com/myBucket/backups/nightly-mysql/nightly-mysql-logs.gz?X-Amz-Expires=600
  expiration: 2024-05-01T12:10:00Z
`;

export const veleroServerStatusRequest = `
apiVersion: velero.io/v1
kind: ServerStatusRequest
metadata:
  generateName: velero-cli-
  namespace: lifeboat
spec: {}
status:
  phase: Processed
  processedTimestamp: 2024-05-01T12:00:00Z
  serverVersion: v1.16.0
  plugins:
  - name: velero.io/aws
    kind: ObjectStore
  - name: velero.io/pod
    kind: BackupItemAction
`;

export const veleroPodVolumeBackup = `
apiVersion: velero.io/v1
kind: PodVolumeBackup
metadata:
  generateName: nightly-mysql-
  name: nightly-mysql-7xk2p
  namespace: lifeboat
  labels:
    velero.io/backup-name: nightly-mysql
    velero.io/backup-uid: 3d1c4c4a-6f0e-4c55-9d3a-1f2b3c4d5e6f
    velero.io/pvc-uid: 63be1bb0-90f5-4629-a7db-b8ce61ee29b3
  annotations:
    velero.io/pvc-name: data-mysql-0
  ownerReferences:
  - apiVersion: velero.io/v1
    kind: Backup
    name: nightly-mysql
    uid: 3d1c4c4a-6f0e-4c55-9d3a-1f2b3c4d5e6f
    controller: true
spec:
  node: worker-1
  pod:
    kind: Pod
    namespace: mysql
    name: mysql-0
    uid: 1b2c3d4e-0000-4000-8000-000000000001
  volume: data
  backupStorageLocation: default
  repoIdentifier: ""
  uploaderType: kopia
  tags:
    backup: nightly-mysql
    backup-uid: 3d1c4c4a-6f0e-4c55-9d3a-1f2b3c4d5e6f
    ns: mysql
    pod: mysql-0
    pod-uid: 1b2c3d4e-0000-4000-8000-000000000001
    pvc-uid: 63be1bb0-90f5-4629-a7db-b8ce61ee29b3
    volume: data
status:
  phase: Completed
  path: /host_pods/1b2c3d4e-0000-4000-8000-000000000001/volumes/kubernetes.io~csi/pvc-63be1bb0/mount
  snapshotID: 3f8e2a7c91d04b5e
  startTimestamp: 2024-05-01T12:00:05Z
  completionTimestamp: 2024-05-01T12:01:05Z
  progress:
    totalBytes: 1073741824
    bytesDone: 1073741824
  incrementalBytes: 52428800
  acceptedTimestamp: 2024-05-01T12:00:01Z
`;

export const veleroPodVolumeRestore = `
apiVersion: velero.io/v1
kind: PodVolumeRestore
metadata:
  generateName: restore-1-
  namespace: lifeboat
  labels:
    velero.io/restore-name: restore-1
spec:
  pod:
    kind: Pod
    namespace: mysql
    name: mysql-0
    uid: 9a8b7c6d-0000-4000-8000-000000000002
  volume: data
  backupStorageLocation: default
  repoIdentifier: ""
  uploaderType: kopia
  snapshotID: 3f8e2a7c91d04b5e
  sourceNamespace: mysql
  snapshotSize: 1073741824
  uploaderSettings:
    WriteSparseFiles: "true"
status:
  phase: InProgress
  node: worker-2
  startTimestamp: 2024-05-02T09:00:05Z
  progress:
    totalBytes: 1073741824
    bytesDone: 536870912
`;

export const veleroBackupRepository = `
apiVersion: velero.io/v1
kind: BackupRepository
metadata:
  name: mysql-default-kopia
  namespace: lifeboat
  labels:
    velero.io/repository-type: kopia
    velero.io/storage-location: default
    velero.io/volume-namespace: mysql
spec:
  volumeNamespace: mysql
  backupStorageLocation: default
  repositoryType: kopia
  maintenanceFrequency: 1h0m0s
status:
  phase: Ready
  lastMaintenanceTime: 2024-05-01T11:00:00Z
  recentMaintenance:
  - result: Succeeded
    startTimestamp: 2024-05-01T10:59:00Z
    completeTimestamp: 2024-05-01T11:00:00Z
`;

export const veleroDataUpload = `
apiVersion: velero.io/v2alpha1
kind: DataUpload
metadata:
  generateName: nightly-mysql-
  namespace: lifeboat
  labels:
    velero.io/async-operation-id: du-3d1c4c4a-6f0e-4c55-9d3a-1f2b3c4d5e6f.63be1bb0-90f5-46250c062
    velero.io/backup-name: nightly-mysql
spec:
  snapshotType: CSI
  csiSnapshot:
    volumeSnapshot: velero-data-mysql-0-x7h2k
    storageClass: csi-hostpath-sc
    snapshotClass: csi-hostpath-snapclass
    driver: hostpath.csi.k8s.io
  sourcePVC: data-mysql-0
  datamover: velero
  backupStorageLocation: default
  sourceNamespace: mysql
  operationTimeout: 10m0s
status:
  phase: Completed
  path: /data
  snapshotID: 9c2e4f1a77b04d2e
  dataMoverResult: null
  node: worker-1
  nodeOS: linux
  acceptedByNode: worker-1
  acceptedTimestamp: 2024-05-01T12:00:01Z
  startTimestamp: 2024-05-01T12:00:10Z
  completionTimestamp: 2024-05-01T12:02:00Z
  progress:
    totalBytes: 2147483648
    bytesDone: 2147483648
  incrementalBytes: 2147483648
`;

export const veleroDataDownload = `
apiVersion: velero.io/v2alpha1
kind: DataDownload
metadata:
  generateName: restore-1-
  namespace: lifeboat
  labels:
    velero.io/restore-name: restore-1
spec:
  targetVolume:
    pvc: data-mysql-0
    pv: ""
    namespace: mysql
  backupStorageLocation: default
  datamover: velero
  snapshotID: 9c2e4f1a77b04d2e
  sourceNamespace: mysql
  operationTimeout: 10m0s
  nodeOS: linux
  snapshotSize: 2147483648
status:
  phase: Accepted
  acceptedByNode: worker-2
  acceptedTimestamp: 2024-05-02T09:00:01Z
`;

/** Every example above with its kind, for tests that go through all of them. */
export const veleroManifests = {
  Backup: veleroBackup,
  Restore: veleroRestore,
  Schedule: veleroSchedule,
  BackupStorageLocation: veleroBackupStorageLocation,
  VolumeSnapshotLocation: veleroVolumeSnapshotLocation,
  DeleteBackupRequest: veleroDeleteBackupRequest,
  DownloadRequest: veleroDownloadRequest,
  ServerStatusRequest: veleroServerStatusRequest,
  PodVolumeBackup: veleroPodVolumeBackup,
  PodVolumeRestore: veleroPodVolumeRestore,
  BackupRepository: veleroBackupRepository,
  DataUpload: veleroDataUpload,
  DataDownload: veleroDataDownload,
} as const;

/** A Schedule that uses every Lifeboat addition. */
export const lifeboatSchedule = `
apiVersion: lifeboat.io/v1
kind: Schedule
metadata:
  name: shop-hourly
  namespace: lifeboat
spec:
  schedule: "5 * * * *"
  timezone: Europe/Berlin
  template:
    includedNamespaces: [shop, shop-*]
    storageLocation: primary
    snapshotMoveData: true
  keep:
    last: 3
    hourly: 24
    daily: 7
    weekly: 4
    monthly: 12
    yearly: 2
  copyTo: [secondary-region]
  notifications:
    webhooks:
    - url: https://hooks.example.com/lifeboat
    - urlSecretRef:
        name: slack-webhook
        key: url
      events: [Failed, PartiallyFailed, Completed]
`;
