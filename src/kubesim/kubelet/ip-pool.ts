/** Pod IPs from a node's /24 pod CIDR (`10.244.N.0/24`): .2–.254, lowest free first, reused after release. */
export class IpPool {
  readonly #prefix: string;
  readonly #used = new Map<string, number>();
  readonly #free = new Set<number>();
  #next = 2;

  constructor(podCIDR: string) {
    this.#prefix = podCIDR.split('.').slice(0, 3).join('.');
  }

  allocate(owner: string): string {
    const existing = this.#used.get(owner);
    if (existing !== undefined) return `${this.#prefix}.${existing}`;
    let host: number;
    if (this.#free.size > 0) {
      host = Math.min(...this.#free);
      this.#free.delete(host);
    } else {
      if (this.#next > 254) throw new Error(`no free pod IP in ${this.#prefix}.0/24`);
      host = this.#next++;
    }
    this.#used.set(owner, host);
    return `${this.#prefix}.${host}`;
  }

  release(owner: string): void {
    const host = this.#used.get(owner);
    if (host === undefined) return;
    this.#used.delete(owner);
    this.#free.add(host);
  }
}
