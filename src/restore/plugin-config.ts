import { LABELS } from '../api/labels.ts';
import { LifeboatError } from '../core/errors.ts';
import type { DynamicClient, KubeObject, ResourceCatalog } from '../kube/types.ts';

/**
 * Plugin ConfigMaps in the server's namespace, found as Velero finds them: by the label
 * `lifeboat.io/plugin-config` plus `<plugin label>=RestoreItemAction`.
 */
export const PLUGIN_CONFIG_LABEL = LABELS.pluginConfig;
export const CHANGE_STORAGE_CLASS_LABEL = LABELS.changeStorageClass;

/** The data of the one ConfigMap configuring `pluginLabel`, or undefined when there is none. Throws on two. */
export async function findPluginConfig(
  client: DynamicClient,
  catalog: ResourceCatalog,
  namespace: string,
  pluginLabel: string,
): Promise<Record<string, string> | undefined> {
  const configMaps = catalog.resolve('configmaps');
  if (!configMaps) return undefined;
  const found: KubeObject[] = [];
  for await (const page of client.listPages(configMaps, {
    namespace,
    labelSelector: `${PLUGIN_CONFIG_LABEL},${pluginLabel}=RestoreItemAction`,
  }))
    found.push(...page.items);
  if (found.length > 1)
    throw new LifeboatError(
      'Invalid',
      `more than one ConfigMap in ${namespace} configures ${pluginLabel}: ${found.map((c) => c.metadata?.name).join(', ')}`,
    );
  return found[0] ? ((found[0].data ?? {}) as Record<string, string>) : undefined;
}
