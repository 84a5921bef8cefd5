import type { KubeObject, TableConverter } from '../../registry/types.ts';
import { ageSince } from '../age.ts';
import { arr, formatLabelSelector, obj, spec, status, str, strings } from '../format.ts';
import { ageColumn, column, nameColumn, wide } from './columns.ts';

/** Table printers for networking, RBAC, storage, coordination and scheduling kinds. */

const name = (o: KubeObject): string => o.metadata.name ?? '';
const age = (o: KubeObject, now: Date): string => ageSince(o.metadata.creationTimestamp, now);

function isDefaultClass(o: KubeObject): boolean {
  const a = o.metadata.annotations ?? {};
  return (
    a['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    a['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  );
}

export const storageClassTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Provisioner', 'The provisioner of this storage class.'),
    column('ReclaimPolicy', 'The reclaim policy of volumes provisioned by this class.'),
    column('VolumeBindingMode', 'When volumes are provisioned and bound.'),
    column('AllowVolumeExpansion', 'Whether volumes of this class can be expanded.'),
    ageColumn(),
  ],
  cells: (o, now) => [
    isDefaultClass(o) ? `${name(o)} (default)` : name(o),
    str(o.provisioner),
    str(o.reclaimPolicy) || 'Delete',
    str(o.volumeBindingMode) || 'Immediate',
    o.allowVolumeExpansion === true,
    age(o, now),
  ],
};

export const csiDriverTable: TableConverter = {
  columns: [
    nameColumn(),
    column('AttachRequired', 'Whether the driver needs an attach operation.', { type: 'boolean' }),
    column('PodInfoOnMount', 'Whether pod information is passed on mount.', { type: 'boolean' }),
    column('StorageCapacity', 'Whether the driver reports storage capacity.', { type: 'boolean' }),
    column('TokenRequests', 'Audiences of the service account tokens passed to the driver.'),
    column('RequiresRepublish', 'Whether NodePublishVolume is called periodically.', { type: 'boolean' }),
    column('Modes', 'The volume lifecycle modes the driver supports.'),
    ageColumn(),
  ],
  cells(o, now) {
    const s = spec(o);
    const modes = strings(s.volumeLifecycleModes).join(',');
    const tokens = Array.isArray(s.tokenRequests)
      ? arr(s.tokenRequests)
          .map((t) => str(t.audience))
          .join(',')
      : '<unset>';
    return [
      name(o),
      s.attachRequired !== false,
      s.podInfoOnMount === true,
      s.storageCapacity === true,
      tokens,
      s.requiresRepublish === true,
      modes === '' ? '<none>' : modes,
      age(o, now),
    ];
  },
};

export const csiNodeTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Drivers', 'Drivers indicates the number of CSI drivers registered on the node', {
      type: 'integer',
    }),
    ageColumn(),
  ],
  cells: (o, now) => [name(o), arr(spec(o).drivers).length, age(o, now)],
};

export const volumeAttachmentTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Attacher', 'The volume driver that must handle this request.', { format: 'name' }),
    column('PV', 'Name of the persistent volume to attach.'),
    column('Node', 'The node the volume should be attached to.'),
    column('Attached', 'Whether the attach operation has completed.', { type: 'boolean' }),
    ageColumn(),
  ],
  cells: (o, now) => [
    name(o),
    str(spec(o).attacher),
    str(obj(spec(o), 'source').persistentVolumeName),
    str(spec(o).nodeName),
    status(o).attached === true,
    age(o, now),
  ],
};

export const leaseTable: TableConverter = {
  columns: [nameColumn(), column('Holder', 'The identity of the holder of the lease.'), ageColumn()],
  cells: (o, now) => [name(o), str(spec(o).holderIdentity), age(o, now)],
};

export const priorityClassTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Value', 'The priority value of pods of this class.', { type: 'integer' }),
    column('Global-Default', 'Whether this class is the default for pods without one.', { type: 'boolean' }),
    ageColumn(),
    wide('PreemptionPolicy', 'Whether pods of this class may preempt lower-priority pods.'),
  ],
  cells: (o, now) => [
    name(o),
    typeof o.value === 'number' ? o.value : 0,
    o.globalDefault === true,
    age(o, now),
    str(o.preemptionPolicy),
  ],
};

function ingressHosts(o: KubeObject): string {
  const rules = arr(spec(o).rules);
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === max) more = true;
    if (!more && str(rule.host) !== '') hosts.push(str(rule.host));
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

export const ingressTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  cells(o, now) {
    const ingress = arr(obj(status(o), 'loadBalancer').ingress);
    const address = [
      ...new Set(ingress.map((i) => str(i.ip) || str(i.hostname)).filter((v) => v !== '')),
    ].sort();
    return [
      name(o),
      typeof spec(o).ingressClassName === 'string' ? spec(o).ingressClassName : '<none>',
      ingressHosts(o),
      address.join(','),
      arr(spec(o).tls).length > 0 ? '80, 443' : '80',
      age(o, now),
    ];
  },
};

export const ingressClassTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Controller', 'Controller that is responsible for handling this class'),
    column('Parameters', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  cells(o, now) {
    const s = spec(o);
    let parameters = '<none>';
    if (s.parameters !== undefined) {
      const p = obj(s, 'parameters');
      parameters = `${str(p.kind)}${typeof p.apiGroup === 'string' ? `.${p.apiGroup}` : ''}/${str(p.name)}`;
    }
    return [name(o), str(s.controller), parameters, age(o, now)];
  },
};

export const networkPolicyTable: TableConverter = {
  columns: [
    nameColumn(),
    column('Pod-Selector', 'Selects the pods to which this policy applies.'),
    ageColumn(),
  ],
  cells: (o, now) => [name(o), formatLabelSelector(spec(o).podSelector), age(o, now)],
};

function bindingTable(kind: string): TableConverter {
  return {
    columns: [
      nameColumn(),
      column('Role', 'The role the binding grants.'),
      ageColumn(),
      wide('Users', `Users in the ${kind}`),
      wide('Groups', `Groups in the ${kind}`),
      wide('ServiceAccounts', `ServiceAccounts in the ${kind}`),
    ],
    cells(o, now) {
      const ref = obj(o, 'roleRef');
      const subjects = arr(o.subjects);
      const of = (k: string): string[] => subjects.filter((s) => s.kind === k).map((s) => str(s.name));
      const sas = subjects
        .filter((s) => s.kind === 'ServiceAccount')
        .map((s) => `${str(s.namespace)}/${str(s.name)}`);
      return [
        name(o),
        `${str(ref.kind)}/${str(ref.name)}`,
        age(o, now),
        of('User').join(', '),
        of('Group').join(', '),
        sas.join(', '),
      ];
    },
  };
}

export const roleBindingTable = bindingTable('roleBinding');
export const clusterRoleBindingTable = bindingTable('clusterRoleBinding');
