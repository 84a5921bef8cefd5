import { type PrinterColumn, printerColumnsTable } from '../../table/printer-columns.ts';
import type { ResourceType } from '../types.ts';
import { builtin, CUSTOM_RESOURCE_VERBS } from './define.ts';

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinitions, and the CSI snapshot kinds (snapshot.storage.k8s.io/v1).
 * Real clusters serve the snapshot kinds from the external-snapshotter CRDs; kubesim builds them in but
 * keeps their custom-resource behaviour: CRD verb order, no strategic merge patch, no unconditional update,
 * and the CRDs' printer columns.
 */

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const volumeSnapshotColumns: PrinterColumn[] = [
  {
    name: 'ReadyToUse',
    type: 'boolean',
    jsonPath: '.status.readyToUse',
    description: 'Whether the snapshot can be used to restore a volume.',
  },
  {
    name: 'SourcePVC',
    type: 'string',
    jsonPath: '.spec.source.persistentVolumeClaimName',
    description: 'The claim the snapshot is taken from.',
  },
  {
    name: 'SourceSnapshotContent',
    type: 'string',
    jsonPath: '.spec.source.volumeSnapshotContentName',
    description: 'The pre-existing snapshot content this snapshot represents.',
  },
  {
    name: 'RestoreSize',
    type: 'string',
    jsonPath: '.status.restoreSize',
    description: 'The minimum size of a volume restored from this snapshot.',
  },
  {
    name: 'SnapshotClass',
    type: 'string',
    jsonPath: '.spec.volumeSnapshotClassName',
    description: 'The VolumeSnapshotClass requested.',
  },
  {
    name: 'SnapshotContent',
    type: 'string',
    jsonPath: '.status.boundVolumeSnapshotContentName',
    description: 'The VolumeSnapshotContent this snapshot is bound to.',
  },
  {
    name: 'CreationTime',
    type: 'date',
    jsonPath: '.status.creationTime',
    description: 'When the storage system took the snapshot.',
  },
  age,
];

const volumeSnapshotContentColumns: PrinterColumn[] = [
  {
    name: 'ReadyToUse',
    type: 'boolean',
    jsonPath: '.status.readyToUse',
    description: 'Whether the snapshot can be used to restore a volume.',
  },
  {
    name: 'RestoreSize',
    type: 'integer',
    jsonPath: '.status.restoreSize',
    description: 'The complete size of the snapshot in bytes.',
  },
  {
    name: 'DeletionPolicy',
    type: 'string',
    jsonPath: '.spec.deletionPolicy',
    description: 'What happens to the physical snapshot when its VolumeSnapshot is deleted.',
  },
  {
    name: 'Driver',
    type: 'string',
    jsonPath: '.spec.driver',
    description: 'The CSI driver that took the snapshot.',
  },
  {
    name: 'VolumeSnapshotClass',
    type: 'string',
    jsonPath: '.spec.volumeSnapshotClassName',
    description: 'The VolumeSnapshotClass of the snapshot.',
  },
  {
    name: 'VolumeSnapshot',
    type: 'string',
    jsonPath: '.spec.volumeSnapshotRef.name',
    description: 'The VolumeSnapshot bound to this content.',
  },
  {
    name: 'VolumeSnapshotNamespace',
    type: 'string',
    jsonPath: '.spec.volumeSnapshotRef.namespace',
    description: 'The namespace of that VolumeSnapshot.',
  },
  age,
];

const volumeSnapshotClassColumns: PrinterColumn[] = [
  { name: 'Driver', type: 'string', jsonPath: '.driver' },
  {
    name: 'DeletionPolicy',
    type: 'string',
    jsonPath: '.deletionPolicy',
    description: 'What happens to snapshot contents of this class when their VolumeSnapshot is deleted.',
  },
  age,
];

function snapshotKind(
  resource: string,
  kind: string,
  namespaced: boolean,
  shortNames: string[],
  columns: PrinterColumn[],
  status: boolean,
): ResourceType {
  return builtin({
    group: 'snapshot.storage.k8s.io',
    versions: [{ name: 'v1', served: true, storage: true, printerColumns: columns }],
    resource,
    kind,
    namespaced,
    shortNames,
    verbs: CUSTOM_RESOURCE_VERBS,
    subresources: status ? { status: true } : {},
    tracksGeneration: true,
    allowUnconditionalUpdate: false,
    strategicMerge: false,
    table: printerColumnsTable(columns),
  });
}

export function extensionTypes(): ResourceType[] {
  return [
    builtin({
      group: 'apiextensions.k8s.io',
      resource: 'customresourcedefinitions',
      kind: 'CustomResourceDefinition',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      subresources: { status: true },
      tracksGeneration: true,
      allowUnconditionalUpdate: false,
    }),
    snapshotKind('volumesnapshots', 'VolumeSnapshot', true, ['vs'], volumeSnapshotColumns, true),
    snapshotKind(
      'volumesnapshotcontents',
      'VolumeSnapshotContent',
      false,
      ['vsc', 'vscs'],
      volumeSnapshotContentColumns,
      true,
    ),
    snapshotKind(
      'volumesnapshotclasses',
      'VolumeSnapshotClass',
      false,
      ['vsclass', 'vsclasses'],
      volumeSnapshotClassColumns,
      false,
    ),
  ];
}
