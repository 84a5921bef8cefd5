import {
  controllerRevisionTable,
  cronJobTable,
  daemonSetTable,
  deploymentTable,
  horizontalPodAutoscalerTable,
  jobTable,
  podDisruptionBudgetTable,
  replicaSetTable,
  statefulSetTable,
} from '../../table/printers/workloads.ts';
import { jobFields, replicaSetFields } from '../field-selectors.ts';
import type { ResourceType, ScaleSubresource } from '../types.ts';
import { builtin } from './define.ts';

/** apps/v1, batch/v1, autoscaling (v2 preferred and stored, v1 served) and policy/v1. */

const scale: ScaleSubresource = {
  specReplicasPath: '.spec.replicas',
  statusReplicasPath: '.status.replicas',
  labelSelectorPath: '.spec.selector',
};

export function workloadTypes(): ResourceType[] {
  const apps = { group: 'apps', namespaced: true, tracksGeneration: true };
  return [
    builtin({
      ...apps,
      resource: 'deployments',
      kind: 'Deployment',
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: { status: true, scale },
      table: deploymentTable,
    }),
    builtin({
      ...apps,
      resource: 'replicasets',
      kind: 'ReplicaSet',
      shortNames: ['rs'],
      categories: ['all'],
      subresources: { status: true, scale },
      table: replicaSetTable,
      fieldSelectors: replicaSetFields,
    }),
    builtin({
      ...apps,
      resource: 'statefulsets',
      kind: 'StatefulSet',
      shortNames: ['sts'],
      categories: ['all'],
      subresources: { status: true, scale },
      table: statefulSetTable,
    }),
    builtin({
      ...apps,
      resource: 'daemonsets',
      kind: 'DaemonSet',
      shortNames: ['ds'],
      categories: ['all'],
      subresources: { status: true },
      table: daemonSetTable,
    }),
    builtin({
      ...apps,
      resource: 'controllerrevisions',
      kind: 'ControllerRevision',
      tracksGeneration: false,
      table: controllerRevisionTable,
    }),
    builtin({
      group: 'batch',
      namespaced: true,
      tracksGeneration: true,
      resource: 'jobs',
      kind: 'Job',
      categories: ['all'],
      subresources: { status: true },
      table: jobTable,
      fieldSelectors: jobFields,
    }),
    builtin({
      group: 'batch',
      namespaced: true,
      tracksGeneration: true,
      resource: 'cronjobs',
      kind: 'CronJob',
      shortNames: ['cj'],
      categories: ['all'],
      subresources: { status: true },
      table: cronJobTable,
    }),
    builtin({
      group: 'autoscaling',
      versions: [
        { name: 'v2', served: true, storage: true },
        { name: 'v1', served: true, storage: false },
      ],
      namespaced: true,
      tracksGeneration: true,
      resource: 'horizontalpodautoscalers',
      kind: 'HorizontalPodAutoscaler',
      shortNames: ['hpa'],
      categories: ['all'],
      subresources: { status: true },
      table: horizontalPodAutoscalerTable,
    }),
    builtin({
      group: 'policy',
      namespaced: true,
      tracksGeneration: true,
      resource: 'poddisruptionbudgets',
      kind: 'PodDisruptionBudget',
      shortNames: ['pdb'],
      subresources: { status: true },
      table: podDisruptionBudgetTable,
    }),
  ];
}
