import { parse } from 'yaml';
import { type ResourcePolicies, validateResourcePolicies } from '../api/config/resource-policies.ts';
import type { TypedLocalObjectReference } from '../api/shared/references.ts';
import { errorMessage, LifeboatError } from '../core/errors.ts';
import type { DynamicClient, ResourceCatalog } from '../kube/types.ts';

/**
 * Reads the resource-policies ConfigMap a Backup names (`spec.resourcePolicy`, in the server's namespace): its
 * single data key, YAML, validated. Throws `NotFound` when it is missing and `Invalid` (naming the field) when
 * it does not hold a valid v1 document.
 */
export async function loadResourcePolicies(
  client: DynamicClient,
  catalog: ResourceCatalog,
  namespace: string,
  ref: TypedLocalObjectReference,
): Promise<ResourcePolicies> {
  if (ref.kind.toLowerCase() !== 'configmap')
    throw new LifeboatError('Invalid', `spec.resourcePolicy must name a ConfigMap, not a ${ref.kind}`, {
      field: 'spec.resourcePolicy.kind',
    });
  const configMaps = catalog.resolve('configmaps');
  if (!configMaps) throw new LifeboatError('Unavailable', 'the cluster does not serve configmaps');
  const map = await client.get(configMaps, namespace, ref.name);
  if (!map)
    throw new LifeboatError(
      'NotFound',
      `resource policies ConfigMap ${namespace}/${ref.name} (spec.resourcePolicy) does not exist`,
    );
  const values = Object.values((map as { data?: Record<string, string> }).data ?? {});
  if (values.length !== 1)
    throw new LifeboatError(
      'Invalid',
      `resource policies ConfigMap ${namespace}/${ref.name} must hold exactly one data key, it holds ${values.length}`,
    );
  let document: unknown;
  try {
    document = parse(values[0] ?? '');
  } catch (err) {
    throw new LifeboatError(
      'Invalid',
      `resource policies ConfigMap ${namespace}/${ref.name} is not YAML: ${errorMessage(err)}`,
    );
  }
  const result = validateResourcePolicies(document);
  if (!result.ok) {
    const first = result.issues[0];
    throw new LifeboatError(
      'Invalid',
      `resource policies ConfigMap ${namespace}/${ref.name}: ${first ? `${first.field}: ${first.message}` : 'invalid'}`,
      { field: first?.field },
    );
  }
  return result.value;
}
