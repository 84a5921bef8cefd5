import { LifeboatError } from '../../core/errors.ts';
import type { ResourceRef } from '../apiserver/types.ts';
import { builtinResourceTypes } from './builtin.ts';
import { compareGroups, compareVersions } from './ordering.ts';
import { groupResource, type ResourceType } from './types.ts';

/** An API group as discovery shows it: its served versions, preferred version first. */
export type ApiGroupVersions = { name: string; versions: string[] };

function key(group: string, resource: string): string {
  return `${group}/${resource}`;
}

/**
 * The resources one kubesim instance serves: the built-ins plus whatever CustomResourceDefinitions add.
 * Discovery, OpenAPI and the REST handlers all read it, so a CRD that is added or removed shows up
 * everywhere at once. `generation` moves on every change so callers can cache what they derive from it.
 */
export class ResourceRegistry {
  readonly #types = new Map<string, ResourceType>();
  readonly #listeners = new Set<() => void>();
  #byKind = new Map<string, ResourceType>();
  #generation = 0;

  /** Bumped by every add and remove; derived data (discovery, OpenAPI) is cached against it. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Adds a resource type, replacing any type with the same group and plural. Throws `Invalid` when the
   * type has no versions or not exactly one storage version.
   */
  add(type: ResourceType): void {
    if (type.versions.length === 0) {
      throw new LifeboatError('Invalid', `${groupResource(type)} has no versions`);
    }
    if (type.versions.filter((v) => v.storage).length !== 1) {
      throw new LifeboatError('Invalid', `${groupResource(type)} must have exactly one storage version`);
    }
    this.#types.set(key(type.group, type.resource), type);
    this.#changed();
  }

  /** Removes a resource type; returns whether it was there. */
  remove(group: string, resource: string): boolean {
    const removed = this.#types.delete(key(group, resource));
    if (removed) this.#changed();
    return removed;
  }

  /** Every registered type, in the order they were added. */
  all(): ResourceType[] {
    return [...this.#types.values()];
  }

  find(group: string, resource: string): ResourceType | undefined {
    return this.#types.get(key(group, resource));
  }

  /**
   * Resolves a REST path's group, version and plural resource name. Only served versions resolve; short
   * names and singular names do not (clients turn those into plurals through discovery).
   */
  lookup(group: string, version: string, resource: string): ResourceRef | undefined {
    const type = this.#types.get(key(group, resource));
    if (!type) return undefined;
    const info = type.versions.find((v) => v.name === version);
    if (!info?.served) return undefined;
    return { type, version };
  }

  byKind(group: string, kind: string): ResourceType | undefined {
    return this.#byKind.get(key(group, kind));
  }

  /** The types served at one group version, sorted by resource name. */
  servedAt(group: string, version: string): ResourceType[] {
    return this.all()
      .filter((t) => t.group === group && t.versions.some((v) => v.name === version && v.served))
      .sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
  }

  /**
   * The API groups in discovery order (core, then the built-in groups in the real server's order, then
   * the rest alphabetically), each with its served versions, preferred version first.
   */
  groups(): ApiGroupVersions[] {
    const versions = new Map<string, Set<string>>();
    for (const type of this.#types.values()) {
      for (const v of type.versions) {
        if (!v.served) continue;
        let set = versions.get(type.group);
        if (!set) {
          set = new Set();
          versions.set(type.group, set);
        }
        set.add(v.name);
      }
    }
    return [...versions.entries()]
      .sort(([a], [b]) => compareGroups(a, b))
      .map(([name, set]) => ({ name, versions: [...set].sort(compareVersions) }));
  }

  /**
   * Calls `listener` after every change (synchronously, in registration order). Returns the function that
   * unsubscribes it. A listener that throws does not stop the others; the first error is rethrown.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #changed(): void {
    this.#generation++;
    const byKind = new Map<string, ResourceType>();
    for (const type of this.#types.values()) byKind.set(key(type.group, type.kind), type);
    this.#byKind = byKind;
    let failure: unknown;
    let failed = false;
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (err) {
        if (!failed) {
          failed = true;
          failure = err;
        }
      }
    }
    if (failed) throw failure;
  }
}

/** A new registry holding every built-in resource type (each call returns an independent registry). */
export function createBuiltinRegistry(): ResourceRegistry {
  const registry = new ResourceRegistry();
  for (const type of builtinResourceTypes()) registry.add(type);
  return registry;
}
