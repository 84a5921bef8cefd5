import type { KubeObject, TableConverter } from '../../registry/types.ts';
import { ageSince, parseTimestamp } from '../age.ts';
import {
  accessModes,
  arr,
  containerCells,
  firstNonEmpty,
  formatLabels,
  type Json,
  num,
  obj,
  quantity,
  spec,
  status,
  str,
  strings,
} from '../format.ts';
import {
  ageColumn,
  column,
  containersColumn,
  imagesColumn,
  nameColumn,
  selectorColumn,
  wide,
} from './columns.ts';

/** Table printers for the core/v1 kinds, cell for cell as kube-apiserver's printers build them. */

const name = (o: KubeObject): string => o.metadata.name ?? '';
const age = (o: KubeObject, now: Date): string => ageSince(o.metadata.creationTimestamp, now);

export const namespaceTable: TableConverter = {
  columns: [nameColumn(), column('Status', 'The status of the namespace'), ageColumn()],
  cells: (o, now) => [name(o), str(status(o).phase), age(o, now)],
};

export const configMapTable: TableConverter = {
  columns: [nameColumn(), column('Data', 'Data contains the configuration data.'), ageColumn()],
  cells: (o, now) => [
    name(o),
    Object.keys(obj(o, 'data')).length + Object.keys(obj(o, 'binaryData')).length,
    age(o, now),
  ],
};

export const secretTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Type', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'Data contains the secret data.'),
    ageColumn(),
  ],
  cells: (o, now) => [name(o), str(o.type), Object.keys(obj(o, 'data')).length, age(o, now)],
};

export const serviceAccountTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Secrets', 'Secrets allowed to be used by pods of this service account.'),
    ageColumn(),
  ],
  cells: (o, now) => [name(o), arr(o.secrets).length, age(o, now)],
};

function externalIP(svc: KubeObject): string {
  const s = spec(svc);
  const externalIPs = strings(s.externalIPs);
  switch (s.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = arr(obj(status(svc), 'loadBalancer').ingress);
      const lb = [
        ...new Set(ingress.map((i) => str(i.ip) || str(i.hostname)).filter((v) => v !== '')),
      ].sort();
      const all = [...lb, ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(s.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(svc: KubeObject): string {
  const ports = arr(spec(svc).ports).map((p) => {
    const protocol = str(p.protocol);
    return num(p.nodePort) > 0
      ? `${num(p.port)}:${num(p.nodePort)}/${protocol}`
      : `${num(p.port)}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

export const serviceTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Type', 'How the Service is exposed.'),
    column('Cluster-IP', 'The IP address of the service inside the cluster.'),
    column('External-IP', 'The IP addresses the service is reachable at from outside the cluster.'),
    column('Port(s)', 'The ports the service exposes.'),
    ageColumn(),
    selectorColumn('Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells(o, now) {
    const s = spec(o);
    const clusterIP = strings(s.clusterIPs)[0] ?? (str(s.clusterIP) || '<none>');
    return [
      name(o),
      str(s.type),
      clusterIP,
      externalIP(o),
      servicePorts(o),
      age(o, now),
      formatLabels(s.selector),
    ];
  },
};

function formatEndpoints(ep: KubeObject): string {
  const subsets = arr(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of subsets) {
    const addresses = arr(ss.addresses);
    const ports = arr(ss.ports);
    const targets = ports.length === 0 ? [undefined] : ports;
    for (const port of targets) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        const ip = str(a.ip);
        const host = ip.includes(':') ? `[${ip}]` : ip;
        list.push(port ? `${host}:${num(port.port)}` : ip);
      }
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - max} more...` : text;
}

export const endpointsTable: TableConverter = {
  columns: [nameColumn(), column('Endpoints', 'The addresses and ports of the endpoints.'), ageColumn()],
  cells: (o, now) => [name(o), formatEndpoints(o), age(o, now)],
};

function nodeRoles(node: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(node: KubeObject, type: string): string {
  return str(arr(status(node).addresses).find((a) => a.type === type)?.address) || '<none>';
}

export const nodeTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    ageColumn(),
    column('Version', 'Kubelet Version reported by the node.'),
    wide('Internal-IP', 'The internal IP address of the node.'),
    wide('External-IP', 'The external IP address of the node.'),
    wide('OS-Image', 'OS Image reported by the node.'),
    wide('Kernel-Version', 'Kernel Version reported by the node.'),
    wide('Container-Runtime', 'ContainerRuntime Version reported by the node.'),
  ],
  cells(o, now) {
    const ready = arr(status(o).conditions).find((c) => c.type === 'Ready');
    const states = ready ? [ready.status === 'True' ? 'Ready' : 'NotReady'] : ['Unknown'];
    if (spec(o).unschedulable === true) states.push('SchedulingDisabled');
    const info = obj(status(o), 'nodeInfo');
    return [
      name(o),
      states.join(','),
      nodeRoles(o),
      age(o, now),
      str(info.kubeletVersion),
      nodeAddress(o, 'InternalIP'),
      nodeAddress(o, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

/** An event in the core/v1 shape, whichever group it was read from. */
type CoreEventView = {
  involvedObject: Json;
  reason: string;
  message: string;
  type: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  series: Json | undefined;
  source: Json;
  reportingComponent: string;
  reportingInstance: string;
};

function coreEventView(o: KubeObject): CoreEventView {
  if (typeof o.apiVersion === 'string' && o.apiVersion.startsWith('events.k8s.io/')) {
    return {
      involvedObject: obj(o, 'regarding'),
      reason: str(o.reason),
      message: str(o.note),
      type: str(o.type),
      firstTimestamp: o.deprecatedFirstTimestamp,
      lastTimestamp: o.deprecatedLastTimestamp,
      eventTime: o.eventTime,
      count: num(o.deprecatedCount),
      series: o.series === undefined ? undefined : obj(o, 'series'),
      source: obj(o, 'deprecatedSource'),
      reportingComponent: str(o.reportingController),
      reportingInstance: str(o.reportingInstance),
    };
  }
  return {
    involvedObject: obj(o, 'involvedObject'),
    reason: str(o.reason),
    message: str(o.message),
    type: str(o.type),
    firstTimestamp: o.firstTimestamp,
    lastTimestamp: o.lastTimestamp,
    eventTime: o.eventTime,
    count: num(o.count),
    series: o.series === undefined ? undefined : obj(o, 'series'),
    source: obj(o, 'source'),
    reportingComponent: str(o.reportingComponent),
    reportingInstance: str(o.reportingInstance),
  };
}

function eventSource(e: CoreEventView): string {
  const component = firstNonEmpty(e.source.component, e.reportingComponent);
  const instance = firstNonEmpty(e.source.host, e.reportingInstance);
  return instance === '' ? component : `${component}, ${instance}`;
}

export const eventTable: TableConverter = {
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning).'),
    column('Reason', 'A short, machine understandable string that gives the reason for this event.'),
    column('Object', 'The object that this event is about.'),
    wide('Subobject', 'The field of the object the event is about, if any.'),
    wide('Source', 'The component reporting this event.'),
    column('Message', 'A human-readable description of the status of this operation.'),
    wide('First Seen', 'The time at which the event was first recorded.'),
    wide('Count', 'The number of times this event has occurred.'),
    column('Name', 'Name of the event.', { format: 'name', priority: 1 }),
  ],
  cells(o, now) {
    const e = coreEventView(o);
    const firstTimestamp = parseTimestamp(e.firstTimestamp)
      ? ageSince(e.firstTimestamp, now)
      : ageSince(e.eventTime, now);
    let lastTimestamp = parseTimestamp(e.lastTimestamp) ? ageSince(e.lastTimestamp, now) : firstTimestamp;
    let count = e.count;
    if (e.series) {
      lastTimestamp = ageSince(e.series.lastObservedTime, now);
      count = num(e.series.count);
    } else if (count === 0) count = 1;
    const kind = str(e.involvedObject.kind).toLowerCase();
    const target = str(e.involvedObject.name) !== '' ? `${kind}/${str(e.involvedObject.name)}` : kind;
    return [
      lastTimestamp,
      e.type,
      e.reason,
      target,
      str(e.involvedObject.fieldPath),
      eventSource(e),
      e.message.trim(),
      firstTimestamp,
      count,
      name(o),
    ];
  },
};

function storageClassOf(o: KubeObject): string {
  const annotation = o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
  return annotation ?? str(spec(o).storageClassName);
}

export const persistentVolumeTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Capacity', 'The capacity of the volume.'),
    column('Access Modes', 'The ways the volume can be mounted.'),
    column('Reclaim Policy', 'What happens to the volume when it is released from its claim.'),
    column('Status', 'The phase of the volume.'),
    column('Claim', 'The claim bound to the volume.'),
    column('StorageClass', 'StorageClass of the pv'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    column('Reason', 'A brief CamelCase string that describes any failure.'),
    ageColumn(),
    wide('VolumeMode', 'Whether the volume is a filesystem or a raw block device.'),
  ],
  cells(o, now) {
    const s = spec(o);
    const claimRef = s.claimRef === undefined ? undefined : obj(s, 'claimRef');
    const phase = o.metadata.deletionTimestamp !== undefined ? 'Terminating' : str(status(o).phase);
    return [
      name(o),
      quantity(obj(s, 'capacity').storage) || '0',
      accessModes(s.accessModes),
      str(s.persistentVolumeReclaimPolicy),
      phase,
      claimRef ? `${str(claimRef.namespace)}/${str(claimRef.name)}` : '',
      storageClassOf(o),
      typeof s.volumeAttributesClassName === 'string' ? s.volumeAttributesClassName : '<unset>',
      str(status(o).reason),
      age(o, now),
      typeof s.volumeMode === 'string' ? s.volumeMode : '<unset>',
    ];
  },
};

export const persistentVolumeClaimTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Status', 'The phase of the claim.'),
    column('Volume', 'The volume bound to the claim.'),
    column('Capacity', 'The capacity of the bound volume.'),
    column('Access Modes', 'The access modes of the bound volume.'),
    column('StorageClass', 'StorageClass of the pvc'),
    column('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    ageColumn(),
    wide('VolumeMode', 'Whether the claim wants a filesystem or a raw block device.'),
  ],
  cells(o, now) {
    const s = spec(o);
    const st = status(o);
    const phase = o.metadata.deletionTimestamp !== undefined ? 'Terminating' : str(st.phase);
    const bound = str(s.volumeName) !== '';
    return [
      name(o),
      phase,
      str(s.volumeName),
      bound ? quantity(obj(st, 'capacity').storage) || '0' : '',
      bound ? accessModes(st.accessModes) : '',
      storageClassOf(o),
      typeof s.volumeAttributesClassName === 'string' ? s.volumeAttributesClassName : '<unset>',
      age(o, now),
      typeof s.volumeMode === 'string' ? s.volumeMode : '<unset>',
    ];
  },
};

export const replicationControllerTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Desired', 'The number of desired replicas.', { type: 'integer' }),
    column('Current', 'The number of replicas observed.', { type: 'integer' }),
    column('Ready', 'The number of ready replicas.', { type: 'integer' }),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn(),
  ],
  cells(o, now) {
    const s = spec(o);
    const [names, images] = containerCells(obj(s, 'template', 'spec'));
    return [
      name(o),
      typeof s.replicas === 'number' ? s.replicas : 1,
      num(status(o).replicas),
      num(status(o).readyReplicas),
      age(o, now),
      names,
      images,
      formatLabels(s.selector),
    ];
  },
};

export const podTemplateTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Containers', 'Names of each container in the template.'),
    column('Images', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'The labels for the pod template.'),
  ],
  cells(o) {
    const [names, images] = containerCells(obj(o, 'template', 'spec'));
    return [name(o), names, images, formatLabels(obj(o, 'template', 'metadata').labels)];
  },
};

export const resourceQuotaTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column(
      'Limit',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
    ageColumn(),
  ],
  cells(o, now) {
    const hard = obj(status(o), 'hard');
    const used = obj(status(o), 'used');
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of Object.keys(hard).sort()) {
      const text = `${resource}: ${quantity(used[resource]) || '0'}/${quantity(hard[resource]) || '0'}`;
      const pieces = resource.split('.');
      (pieces.length > 1 && pieces[0] === 'limits' ? limits : requests).push(text);
    }
    return [name(o), requests.join(', '), limits.join(', '), age(o, now)];
  },
};
