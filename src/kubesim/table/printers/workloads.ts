import type { KubeObject, TableConverter } from '../../registry/types.ts';
import { ageSince, humanDuration, parseTimestamp } from '../age.ts';
import {
  arr,
  boolPtr,
  condition,
  containerCells,
  formatLabelSelector,
  formatLabels,
  intOrString,
  type Json,
  num,
  obj,
  quantity,
  selectorString,
  spec,
  status,
  str,
} from '../format.ts';
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, selectorColumn } from './columns.ts';

/** Table printers for apps, batch, autoscaling and policy kinds. */

const name = (o: KubeObject): string => o.metadata.name ?? '';
const age = (o: KubeObject, now: Date): string => ageSince(o.metadata.creationTimestamp, now);
const templateSpec = (o: KubeObject): Json => obj(o, 'spec', 'template', 'spec');
const replicas = (o: KubeObject): number =>
  typeof spec(o).replicas === 'number' ? num(spec(o).replicas) : 1;

export const deploymentTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Ready', 'Number of the pod with ready state'),
    column(
      'Up-to-date',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    column(
      'Available',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('Label selector for pods.'),
  ],
  cells(o, now) {
    const st = status(o);
    const [names, images] = containerCells(templateSpec(o));
    return [
      name(o),
      `${num(st.readyReplicas)}/${replicas(o)}`,
      num(st.updatedReplicas),
      num(st.availableReplicas),
      age(o, now),
      names,
      images,
      selectorString(spec(o).selector),
    ];
  },
};

export const replicaSetTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    column('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('Selector is a label query over pods that should match the replica count.'),
  ],
  cells(o, now) {
    const st = status(o);
    const [names, images] = containerCells(templateSpec(o));
    return [
      name(o),
      replicas(o),
      num(st.replicas),
      num(st.readyReplicas),
      age(o, now),
      names,
      images,
      formatLabelSelector(spec(o).selector),
    ];
  },
};

export const statefulSetTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Ready', 'Number of the pod with ready state'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
  ],
  cells(o, now) {
    const [names, images] = containerCells(templateSpec(o));
    return [name(o), `${num(status(o).readyReplicas)}/${replicas(o)}`, age(o, now), names, images];
  },
};

export const daemonSetTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Desired', 'The total number of nodes that should be running the daemon pod.', {
      type: 'integer',
    }),
    column('Current', 'The number of nodes that are running at least one daemon pod and should.', {
      type: 'integer',
    }),
    column('Ready', 'The number of nodes that should be running the daemon pod and have one ready.', {
      type: 'integer',
    }),
    column('Up-to-date', 'The number of nodes running the updated daemon pod.', { type: 'integer' }),
    column('Available', 'The number of nodes with an available daemon pod.', { type: 'integer' }),
    column('Node Selector', 'The node selector of the pod template.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that are managed by the daemon set.'),
  ],
  cells(o, now) {
    const st = status(o);
    const [names, images] = containerCells(templateSpec(o));
    return [
      name(o),
      num(st.desiredNumberScheduled),
      num(st.currentNumberScheduled),
      num(st.numberReady),
      num(st.updatedNumberScheduled),
      num(st.numberAvailable),
      formatLabels(templateSpec(o).nodeSelector),
      age(o, now),
      names,
      images,
      formatLabelSelector(spec(o).selector),
    ];
  },
};

function jobIs(o: KubeObject, type: string): boolean {
  return condition(status(o).conditions, type)?.status === 'True';
}

function jobStatus(o: KubeObject): string {
  if (jobIs(o, 'Complete')) return 'Complete';
  if (jobIs(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp !== undefined) return 'Terminating';
  if (jobIs(o, 'Suspended')) return 'Suspended';
  if (jobIs(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(o: KubeObject): string {
  const s = spec(o);
  const succeeded = num(status(o).succeeded);
  if (typeof s.completions === 'number') return `${succeeded}/${s.completions}`;
  const parallelism = num(s.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: KubeObject, now: Date): string {
  const start = parseTimestamp(status(o).startTime);
  if (!start) return '';
  const end = parseTimestamp(status(o).completionTime) ?? now;
  return humanDuration(end.getTime() - start.getTime());
}

export const jobTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Status', 'Status of the job.'),
    column('Completions', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  cells(o, now) {
    const [names, images] = containerCells(templateSpec(o));
    return [
      name(o),
      jobStatus(o),
      jobCompletions(o),
      jobDuration(o, now),
      age(o, now),
      names,
      images,
      formatLabelSelector(spec(o).selector),
    ];
  },
};

export const cronJobTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Schedule', 'The schedule in Cron format.'),
    column('Timezone', 'The time zone name for the given schedule.'),
    column('Suspend', 'Whether subsequent executions are suspended.', { type: 'boolean' }),
    column('Active', 'The number of currently running jobs.', { type: 'integer' }),
    column('Last Schedule', 'The last time the job was successfully scheduled.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  cells(o, now) {
    const s = spec(o);
    const jobSpec = obj(s, 'jobTemplate', 'spec');
    const [names, images] = containerCells(obj(jobSpec, 'template', 'spec'));
    const last = status(o).lastScheduleTime;
    return [
      name(o),
      str(s.schedule),
      typeof s.timeZone === 'string' ? s.timeZone : '<none>',
      boolPtr(s.suspend),
      arr(status(o).active).length,
      last === undefined ? '<none>' : ageSince(last, now),
      age(o, now),
      names,
      images,
      formatLabelSelector(jobSpec.selector),
    ];
  },
};

export const controllerRevisionTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Controller', 'Controller of the object'),
    column('Revision', 'Revision indicates the revision of the state represented by Data.'),
    ageColumn(),
  ],
  cells(o, now) {
    const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
    let controller = '<none>';
    if (owner) {
      const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
      controller = `${(group === '' ? owner.kind : `${owner.kind}.${group}`).toLowerCase()}/${owner.name}`;
    }
    return [name(o), controller, num(o.revision), age(o, now)];
  },
};

export const podDisruptionBudgetTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Min Available', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', {
      type: 'integer',
    }),
    ageColumn(),
  ],
  cells(o, now) {
    const s = spec(o);
    return [
      name(o),
      s.minAvailable === undefined ? 'N/A' : intOrString(s.minAvailable),
      s.maxUnavailable === undefined ? 'N/A' : intOrString(s.maxUnavailable),
      num(status(o).disruptionsAllowed),
      age(o, now),
    ];
  },
};

type Metric = { type: string; spec: Json; status: Json | undefined };

/** The HPA's metrics in autoscaling/v2 form; an autoscaling/v1 object's CPU target is translated. */
function hpaMetrics(o: KubeObject): Metric[] {
  const s = spec(o);
  const st = status(o);
  if (typeof s.targetCPUUtilizationPercentage === 'number') {
    const current = st.currentCPUUtilizationPercentage;
    return [
      {
        type: 'Resource',
        spec: { resource: { name: 'cpu', target: { averageUtilization: s.targetCPUUtilizationPercentage } } },
        status:
          typeof current === 'number'
            ? { resource: { current: { averageUtilization: current } } }
            : undefined,
      },
    ];
  }
  const statuses = arr(st.currentMetrics);
  return arr(s.metrics).map((m, i) => ({ type: str(m.type), spec: m, status: statuses[i] }));
}

function metricText(m: Metric): string {
  const field = {
    Resource: 'resource',
    ContainerResource: 'containerResource',
    Pods: 'pods',
    Object: 'object',
    External: 'external',
  }[m.type];
  if (field === undefined) return '<unknown type>';
  const source = obj(m.spec, field);
  const target = obj(source, 'target');
  const current =
    m.status === undefined || !(field in m.status) ? undefined : obj(m.status, field, 'current');
  const prefix = m.type === 'Resource' || m.type === 'ContainerResource' ? `${str(source.name)}: ` : '';
  if (m.type === 'Pods' || target.averageValue !== undefined) {
    const cur = current?.averageValue !== undefined ? quantity(current.averageValue) : '<unknown>';
    const suffix =
      (m.type === 'Object' || m.type === 'External') && target.averageValue !== undefined ? ' (avg)' : '';
    return `${prefix}${cur}/${quantity(target.averageValue)}${suffix}`;
  }
  if (m.type === 'Object' || m.type === 'External') {
    const cur = current ? quantity(current.value) || '0' : '<unknown>';
    return `${cur}/${quantity(target.value) || '0'}`;
  }
  const cur =
    typeof current?.averageUtilization === 'number' ? `${current.averageUtilization}%` : '<unknown>';
  const want = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>';
  return `${prefix}${cur}/${want}`;
}

function formatHpaMetrics(o: KubeObject): string {
  const metrics = hpaMetrics(o);
  if (metrics.length === 0) return '<none>';
  const max = 2;
  const list = metrics.map(metricText);
  if (list.length <= max) return list.join(', ');
  return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
}

export const horizontalPodAutoscalerTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Reference', 'The target resource to scale.'),
    column('Targets', 'The metrics and their targets.'),
    column('MinPods', 'The lower limit for the number of replicas.'),
    column('MaxPods', 'The upper limit for the number of replicas.'),
    column('Replicas', 'The current number of replicas.'),
    ageColumn(),
  ],
  cells(o, now) {
    const s = spec(o);
    const ref = obj(s, 'scaleTargetRef');
    return [
      name(o),
      `${str(ref.kind)}/${str(ref.name)}`,
      formatHpaMetrics(o),
      typeof s.minReplicas === 'number' ? String(s.minReplicas) : '<unset>',
      num(s.maxReplicas),
      num(status(o).currentReplicas),
      age(o, now),
    ];
  },
};
