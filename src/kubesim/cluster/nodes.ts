import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.ts';
import type { KubeObject } from '../registry/types.ts';
import { isAlreadyExists, isNotFound } from './runtime/api-errors.ts';
import type { ClusterContext } from './runtime/context.ts';
import { type Condition, metaTime, microTime } from './runtime/objects.ts';

/** The CSI topology key of the hostpath driver; every node carries it as a label, every hostpath PV as affinity. */
export const HOSTPATH_TOPOLOGY_KEY = 'topology.hostpath.csi/node';
export const KUBELET_VERSION = 'v1.32.4';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export type SimulatedNode = {
  name: string;
  /** 1-based. */
  index: number;
  /** The node's host root, laid out like a real node's file system (`var/lib/kubelet/pods/…`). */
  rootDir: string;
  internalIP: string;
  /** The node's pod CIDR is `10.244.<index>.0/24`. */
  podCIDR: string;
};

export function describeNodes(dataDir: string, count: number): SimulatedNode[] {
  return Array.from({ length: count }, (_, i) => {
    const index = i + 1;
    const name = `kubesim-node-${index}`;
    return {
      name,
      index,
      rootDir: join(dataDir, 'nodes', name),
      internalIP: `172.18.0.${index + 1}`,
      podCIDR: `10.244.${index}.0/24`,
    };
  });
}

/** The kubelet's pods directory under a node root (`/var/lib/kubelet/pods` on a real node). */
export function kubeletPodsDir(rootDir: string): string {
  return join(rootDir, 'var', 'lib', 'kubelet', 'pods');
}

function nodeObject(node: SimulatedNode): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        [HOSTPATH_TOPOLOGY_KEY]: node.name,
      },
      annotations: {
        'csi.volume.kubernetes.io/nodeid': JSON.stringify({ 'hostpath.csi.k8s.io': node.name }),
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: { podCIDR: node.podCIDR, podCIDRs: [node.podCIDR], providerID: `kubesim://${node.name}` },
  };
}

const CAPACITY = {
  cpu: '8',
  'ephemeral-storage': '102626232Ki',
  'hugepages-1Gi': '0',
  'hugepages-2Mi': '0',
  memory: '16365060Ki',
  pods: '110',
};

function nodeConditions(now: string, since: string): Condition[] {
  const c = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => ({
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: since,
    reason,
    message,
  });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

function nodeStatus(node: SimulatedNode, now: string, since: string): Record<string, unknown> {
  const id = node.name
    .replace(/[^a-z0-9]/g, '')
    .padEnd(32, '0')
    .slice(0, 32);
  return {
    capacity: CAPACITY,
    allocatable: CAPACITY,
    conditions: nodeConditions(now, since),
    addresses: [
      { type: 'InternalIP', address: node.internalIP },
      { type: 'Hostname', address: node.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: id,
      systemUUID: id,
      bootID: id,
      kernelVersion: '6.1.0-kubesim',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'containerd://1.7.24',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/**
 * Registers the simulated nodes (Ready, with the standard conditions, addresses, capacity and nodeInfo of a
 * v1.32.4 kubelet), creates their host roots, and keeps them alive as kubelets do: a Lease in
 * `kube-node-lease` renewed every `leaseRenewMs` and a status heartbeat every `nodeStatusMs`, both on the
 * injected clock. A node deleted by someone is registered again at its next renewal, like a real kubelet.
 */
export class NodeLifecycle {
  readonly #ctx: ClusterContext;
  readonly #nodes: SimulatedNode[];
  readonly #abort = new AbortController();
  readonly #since = new Map<string, string>();

  constructor(ctx: ClusterContext, nodes: SimulatedNode[]) {
    this.#ctx = ctx;
    this.#nodes = nodes;
  }

  /** Registers every node and its lease; returns once all are Ready. */
  start(): void {
    for (const node of this.#nodes) {
      mkdirSync(kubeletPodsDir(node.rootDir), { recursive: true });
      this.#register(node);
      this.#renewLease(node);
    }
    void this.#loop(this.#ctx.timing.leaseRenewMs, (node) => {
      this.#ensureRegistered(node);
      this.#renewLease(node);
    });
    void this.#loop(this.#ctx.timing.nodeStatusMs, (node) => this.#heartbeat(node));
  }

  stop(): void {
    this.#abort.abort();
  }

  async #loop(ms: number, each: (node: SimulatedNode) => void): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        await this.#ctx.clock.sleep(ms, signal);
      } catch {
        return;
      }
      if (signal.aborted) return;
      for (const node of this.#nodes) {
        try {
          each(node);
        } catch (err) {
          this.#ctx.logger.warn({ node: node.name, err: errorMessage(err) }, 'node upkeep failed');
        }
      }
    }
  }

  #register(node: SimulatedNode): void {
    const { api, refs, clock } = this.#ctx;
    try {
      api.create(refs.nodes, undefined, nodeObject(node));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const now = metaTime(clock.now());
    if (!this.#since.has(node.name)) this.#since.set(node.name, now);
    api.patch(
      refs.nodes,
      undefined,
      node.name,
      'merge',
      { status: nodeStatus(node, now, this.#since.get(node.name)!) },
      { subresource: 'status' },
    );
  }

  #ensureRegistered(node: SimulatedNode): void {
    try {
      this.#ctx.api.get(this.#ctx.refs.nodes, undefined, node.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.#register(node);
    }
  }

  #heartbeat(node: SimulatedNode): void {
    const now = metaTime(this.#ctx.clock.now());
    this.#ctx.api.patch(
      this.#ctx.refs.nodes,
      undefined,
      node.name,
      'merge',
      { status: { conditions: nodeConditions(now, this.#since.get(node.name) ?? now) } },
      { subresource: 'status' },
    );
  }

  #renewLease(node: SimulatedNode): void {
    const { api, refs, clock } = this.#ctx;
    const renewTime = microTime(clock.now());
    let owner: KubeObject | undefined;
    try {
      owner = api.get(refs.nodes, undefined, node.name);
    } catch {
      owner = undefined;
    }
    try {
      api.patch(refs.leases, NODE_LEASE_NAMESPACE, node.name, 'merge', { spec: { renewTime } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      api.create(refs.leases, NODE_LEASE_NAMESPACE, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: node.name,
          namespace: NODE_LEASE_NAMESPACE,
          ownerReferences: owner
            ? [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: owner.metadata.uid! }]
            : undefined,
        },
        spec: { holderIdentity: node.name, leaseDurationSeconds: 40, renewTime },
      });
    }
  }
}
