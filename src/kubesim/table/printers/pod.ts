import type { KubeObject, TableConverter, TableRowCondition } from '../../registry/types.ts';
import { ageSince, parseTimestamp } from '../age.ts';
import { arr, condition, type Json, obj, spec, status, str } from '../format.ts';
import { ageColumn, column, nameColumn, wide } from './columns.ts';

/**
 * The pod row `kubectl get pods` prints: READY x/y, the STATUS reason the real printer derives from phase,
 * init containers and container states, RESTARTS with the age of the last restart, and the wide columns.
 */

function isRestartableInit(container: Json | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

function terminatedReason(terminated: Json, prefix: string): string {
  if (str(terminated.reason) !== '') return `${prefix}${str(terminated.reason)}`;
  const signal = typeof terminated.signal === 'number' ? terminated.signal : 0;
  if (signal !== 0) return `${prefix}Signal:${signal}`;
  return `${prefix}ExitCode:${typeof terminated.exitCode === 'number' ? terminated.exitCode : 0}`;
}

type Restarts = { count: number; last: Date | undefined };

function noteRestart(acc: Restarts, containerStatus: Json): void {
  acc.count += typeof containerStatus.restartCount === 'number' ? containerStatus.restartCount : 0;
  const finished = parseTimestamp(obj(containerStatus, 'lastState', 'terminated').finishedAt);
  if (finished && (!acc.last || acc.last < finished)) acc.last = finished;
}

type PodSummary = { ready: number; total: number; reason: string; restarts: Restarts };

function initContainerSummary(pod: KubeObject, summary: PodSummary, restartable: Restarts): boolean {
  const podSpec = spec(pod);
  const inits = arr(podSpec.initContainers);
  const byName = new Map(inits.map((c) => [str(c.name), c]));
  const statuses = arr(status(pod).initContainerStatuses);
  for (const [i, cs] of statuses.entries()) {
    noteRestart(summary.restarts, cs);
    const declared = byName.get(str(cs.name));
    if (isRestartableInit(declared)) noteRestart(restartable, cs);
    const terminated = obj(cs, 'state', 'terminated');
    const waiting = obj(cs, 'state', 'waiting');
    const hasTerminated = 'terminated' in obj(cs, 'state');
    if (hasTerminated && (terminated.exitCode ?? 0) === 0) continue;
    if (isRestartableInit(declared) && cs.started === true) {
      if (cs.ready === true) summary.ready++;
      continue;
    }
    if (hasTerminated) summary.reason = terminatedReason(terminated, 'Init:');
    else if (str(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      summary.reason = `Init:${str(waiting.reason)}`;
    } else summary.reason = `Init:${i}/${inits.length}`;
    return true;
  }
  return false;
}

function containerSummary(pod: KubeObject, summary: PodSummary, restartable: Restarts): void {
  const podStatus = status(pod);
  summary.restarts = restartable;
  let hasRunning = false;
  const statuses = arr(podStatus.containerStatuses);
  for (let i = statuses.length - 1; i >= 0; i--) {
    const cs = statuses[i];
    noteRestart(summary.restarts, cs);
    const state = obj(cs, 'state');
    const waiting = obj(state, 'waiting');
    if (str(waiting.reason) !== '') summary.reason = str(waiting.reason);
    else if ('terminated' in state) summary.reason = terminatedReason(obj(state, 'terminated'), '');
    else if (cs.ready === true && 'running' in state) {
      hasRunning = true;
      summary.ready++;
    }
  }
  if (summary.reason === 'Completed' && hasRunning) {
    summary.reason = condition(podStatus.conditions, 'Ready')?.status === 'True' ? 'Running' : 'NotReady';
  }
}

function summarize(pod: KubeObject): PodSummary {
  const podSpec = spec(pod);
  const podStatus = status(pod);
  const inits = arr(podSpec.initContainers);
  const summary: PodSummary = {
    ready: 0,
    total: arr(podSpec.containers).length + inits.filter(isRestartableInit).length,
    reason: str(podStatus.reason) || str(podStatus.phase),
    restarts: { count: 0, last: undefined },
  };
  const scheduled = condition(podStatus.conditions, 'PodScheduled');
  if (scheduled?.reason === 'SchedulingGated') summary.reason = 'SchedulingGated';

  const restartable: Restarts = { count: 0, last: undefined };
  const initializing = initContainerSummary(pod, summary, restartable);
  const initialized = condition(podStatus.conditions, 'Initialized')?.status === 'True';
  if (!initializing || initialized) containerSummary(pod, summary, restartable);

  const deleting = pod.metadata.deletionTimestamp !== undefined;
  const phase = str(podStatus.phase);
  if (deleting && podStatus.reason === 'NodeLost') summary.reason = 'Unknown';
  else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') summary.reason = 'Terminating';
  return summary;
}

function readinessGates(pod: KubeObject): string {
  const gates = arr(spec(pod).readinessGates);
  if (gates.length === 0) return '<none>';
  const conditions = arr(status(pod).conditions);
  const ready = gates.filter(
    (g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True',
  ).length;
  return `${ready}/${gates.length}`;
}

function podIP(pod: KubeObject): string {
  const podStatus = status(pod);
  const ips = arr(podStatus.podIPs);
  return str(ips[0]?.ip) || str(podStatus.podIP) || '<none>';
}

export const podTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageColumn(),
    wide('IP', 'IP address allocated to the pod.'),
    wide('Node', 'The node the pod is scheduled onto.'),
    wide('Nominated Node', 'The node the scheduler nominated for this pod while it preempts others.'),
    wide('Readiness Gates', 'Pod readiness gates that are met, out of those declared.'),
  ],
  cells(pod, now) {
    const s = summarize(pod);
    const restarts =
      s.restarts.count !== 0 && s.restarts.last
        ? `${s.restarts.count} (${ageSince(s.restarts.last.toISOString(), now)} ago)`
        : String(s.restarts.count);
    return [
      pod.metadata.name ?? '',
      `${s.ready}/${s.total}`,
      s.reason,
      restarts,
      ageSince(pod.metadata.creationTimestamp, now),
      podIP(pod),
      str(spec(pod).nodeName) || '<none>',
      str(status(pod).nominatedNodeName) || '<none>',
      readinessGates(pod),
    ];
  },
  conditions(pod): TableRowCondition[] | undefined {
    const phase = status(pod).phase;
    if (phase === 'Succeeded') {
      return [
        {
          type: 'Completed',
          status: 'True',
          reason: 'Succeeded',
          message: 'The pod has completed successfully.',
        },
      ];
    }
    if (phase === 'Failed') {
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    }
    return undefined;
  },
};
