import type { ResourceKind, ResourceTypes } from '../../api/index.ts';
import { LifeboatError, UsageError } from '../../core/errors.ts';
import type { LifeboatClient } from '../kube/lifeboat-client.ts';

/**
 * The objects a `get`/`describe`/`delete` names: by NAME arguments, by `--selector`, or all (`get` with
 * neither, or `--all`). A named object that does not exist is `NotFound`.
 */
export async function selectObjects<K extends ResourceKind>(
  client: LifeboatClient,
  kind: K,
  names: readonly string[],
  options: { selector?: string; all?: boolean; requireSome?: boolean },
): Promise<ResourceTypes[K][]> {
  const given = [names.length > 0, options.selector !== undefined, options.all === true].filter(
    Boolean,
  ).length;
  if (given > 1) throw new UsageError('give NAMEs, --selector or --all, not several of them');
  if (given === 0 && options.requireSome)
    throw new UsageError(`name the ${kind}s to act on, or use --selector or --all`);
  if (names.length > 0) {
    const out: ResourceTypes[K][] = [];
    for (const name of names) {
      const object = await client.get(kind, name);
      if (!object)
        throw new LifeboatError('NotFound', `${kind} "${name}" not found in namespace ${client.namespace}`);
      out.push(object);
    }
    return out;
  }
  return client.list(kind, { labelSelector: options.selector });
}
