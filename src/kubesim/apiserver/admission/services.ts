import type { KubeObject } from '../../registry/types.ts';
import { invalid } from '../errors.ts';
import type { Admission, AdmissionContext } from './types.ts';

/**
 * Services: cluster IPs from 10.96.0.0/12 (10.96.0.1 belongs to the `kubernetes` service), `None` for headless
 * services, and node ports from 30000-32767. Values are chosen (or checked) in `create`/`update` and only
 * reserved once the write is committed, so a refused or dry-run write holds nothing.
 */
const NET_BASE = ipToInt('10.96.0.0');
const NET_SIZE = 1 << 20;
const FIRST_DYNAMIC = 10;
const PORT_MIN = 30000;
const PORT_MAX = 32767;

type ServicePort = {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  nodePort?: number;
};
type ServiceSpec = {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  sessionAffinity?: string;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  internalTrafficPolicy?: string;
  externalTrafficPolicy?: string;
};

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return Number.NaN;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function portKey(p: ServicePort): string {
  return `${p.port}/${p.protocol ?? 'TCP'}`;
}

function specOf(obj: KubeObject): ServiceSpec {
  if (obj.spec === undefined || obj.spec === null) obj.spec = {};
  return obj.spec as ServiceSpec;
}

function hasClusterIP(spec: ServiceSpec): boolean {
  return spec.type !== 'ExternalName';
}

function usesNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

export class ServiceAllocator {
  readonly #ips = new Set<number>();
  readonly #ports = new Set<number>();
  #nextIp = FIRST_DYNAMIC;
  #nextPort = PORT_MIN;

  readonly admission: Admission = {
    create: (obj, ctx) => this.#admit(obj, undefined, ctx),
    update: (obj, old, ctx) => this.#admit(obj, old, ctx),
    committed: (obj, old) => {
      if (old) this.#release(old);
      this.#reserve(obj);
    },
    removed: (obj) => this.#release(obj),
  };

  /** Reserves what an object created outside admission (the `kubernetes` service) holds. */
  reserveFor(obj: KubeObject): void {
    this.#reserve(obj);
  }

  #admit(obj: KubeObject, old: KubeObject | undefined, ctx: AdmissionContext): void {
    const spec = specOf(obj);
    const oldSpec = old ? (old.spec as ServiceSpec) : undefined;
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    for (const p of spec.ports ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
    const name = obj.metadata.name ?? '';
    if (hasClusterIP(spec)) {
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
      this.#admitClusterIP(spec, oldSpec, name, ctx);
    } else {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (usesNodePorts(spec)) {
      spec.externalTrafficPolicy ??= 'Cluster';
      this.#admitNodePorts(spec, oldSpec, name, ctx);
    } else {
      for (const p of spec.ports ?? []) delete p.nodePort;
    }
  }

  #admitClusterIP(
    spec: ServiceSpec,
    oldSpec: ServiceSpec | undefined,
    name: string,
    ctx: AdmissionContext,
  ): void {
    const requested = spec.clusterIP || spec.clusterIPs?.[0] || '';
    const previous = oldSpec && hasClusterIP(oldSpec) ? oldSpec.clusterIP : undefined;
    if (previous) {
      if (requested && requested !== previous) {
        throw invalid(ctx.type, name, [
          { field: 'spec.clusterIPs[0]', message: `Invalid value: "${requested}": field is immutable` },
        ]);
      }
      spec.clusterIP = previous;
      spec.clusterIPs = [previous];
      return;
    }
    if (requested === 'None') {
      if (spec.type !== 'ClusterIP') {
        throw invalid(ctx.type, name, [
          {
            field: 'spec.clusterIPs[0]',
            message: `Invalid value: "None": may not be set to 'None' for ${spec.type} services`,
          },
        ]);
      }
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return;
    }
    let ip: number;
    if (requested) {
      ip = ipToInt(requested);
      const field = 'spec.clusterIPs';
      const value = `[]string{"${requested}"}`;
      if (Number.isNaN(ip) || ip < NET_BASE || ip >= NET_BASE + NET_SIZE) {
        throw invalid(ctx.type, name, [
          {
            field,
            message: `Invalid value: ${value}: failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is 10.96.0.0/12`,
          },
        ]);
      }
      if (this.#ips.has(ip)) {
        throw invalid(ctx.type, name, [
          {
            field,
            message: `Invalid value: ${value}: failed to allocate IP ${requested}: provided IP is already allocated`,
          },
        ]);
      }
    } else {
      ip = this.#freeIp();
    }
    spec.clusterIP = intToIp(ip);
    spec.clusterIPs = [spec.clusterIP];
  }

  #admitNodePorts(
    spec: ServiceSpec,
    oldSpec: ServiceSpec | undefined,
    name: string,
    ctx: AdmissionContext,
  ): void {
    // Ports the service already holds keep their node port across updates, matched by port and protocol.
    const previous = new Map<string, number>();
    if (oldSpec && usesNodePorts(oldSpec)) {
      for (const p of oldSpec.ports ?? []) if (p.nodePort) previous.set(portKey(p), p.nodePort);
    }
    const held = new Set(previous.values());
    const taken = new Set<number>();
    for (const [i, p] of (spec.ports ?? []).entries()) {
      if (p.nodePort === undefined || p.nodePort === 0) {
        const kept = previous.get(portKey(p));
        p.nodePort = kept && !taken.has(kept) ? kept : this.#freePort(taken);
      } else {
        this.#checkRequestedPort(p.nodePort, `spec.ports[${i}].nodePort`, held, taken, name, ctx);
      }
      taken.add(p.nodePort);
    }
  }

  #checkRequestedPort(
    port: number,
    field: string,
    held: Set<number>,
    taken: Set<number>,
    name: string,
    ctx: AdmissionContext,
  ): void {
    if (!Number.isInteger(port) || port < PORT_MIN || port > PORT_MAX) {
      throw invalid(ctx.type, name, [
        {
          field,
          message: `Invalid value: ${port}: provided port is not in the valid range. The range of valid ports is ${PORT_MIN}-${PORT_MAX}`,
        },
      ]);
    }
    if ((this.#ports.has(port) && !held.has(port)) || taken.has(port)) {
      throw invalid(ctx.type, name, [
        { field, message: `Invalid value: ${port}: provided port is already allocated` },
      ]);
    }
  }

  #freeIp(): number {
    for (let n = 0; n < NET_SIZE; n++) {
      const offset = FIRST_DYNAMIC + ((this.#nextIp - FIRST_DYNAMIC + n) % (NET_SIZE - FIRST_DYNAMIC - 1));
      const ip = NET_BASE + offset;
      if (!this.#ips.has(ip)) {
        this.#nextIp = offset + 1;
        return ip;
      }
    }
    throw new Error('service IP range 10.96.0.0/12 is exhausted');
  }

  #freePort(alsoTaken: Set<number>): number {
    const span = PORT_MAX - PORT_MIN + 1;
    for (let n = 0; n < span; n++) {
      const port = PORT_MIN + ((this.#nextPort - PORT_MIN + n) % span);
      if (!this.#ports.has(port) && !alsoTaken.has(port)) {
        this.#nextPort = port + 1;
        return port;
      }
    }
    throw new Error('node port range 30000-32767 is exhausted');
  }

  #reserve(obj: KubeObject): void {
    const spec = (obj.spec ?? {}) as ServiceSpec;
    if (spec.clusterIP && spec.clusterIP !== 'None') this.#ips.add(ipToInt(spec.clusterIP));
    for (const p of spec.ports ?? []) if (p.nodePort) this.#ports.add(p.nodePort);
  }

  #release(obj: KubeObject): void {
    const spec = (obj.spec ?? {}) as ServiceSpec;
    if (spec.clusterIP && spec.clusterIP !== 'None') this.#ips.delete(ipToInt(spec.clusterIP));
    for (const p of spec.ports ?? []) if (p.nodePort) this.#ports.delete(p.nodePort);
  }
}
